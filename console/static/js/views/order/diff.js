// What an order changes against the previous order for the same hazard and place: fields and areas.

import { empty, errorNotice, hazardLabel, orderStatusChip, tableWrap } from "../../common.js";
import { h, replace } from "../../dom.js";
import { t } from "../../i18n.js";

// The order this one replaces or follows: the newest other order for the same hazard sharing an area.
export function previousOrder(order, all) {
  const codes = new Set(order.area_codes || []);
  return all
    .filter((o) => o.id !== order.id && o.hazard === order.hazard && ["issued", "lifted", "approved"].includes(o.status))
    .filter((o) => (o.area_codes || []).some((c) => codes.has(c)) || (!codes.size && o.geometry))
    .sort((a, b) => new Date(b.updated_at || b.created_at) - new Date(a.updated_at || a.created_at))[0] || null;
}

function fieldRow([name, a, b]) {
  const changed = String(a) !== String(b);
  return h("tr", {}, h("th", { scope: "row" }, name), h("td", { class: changed ? "del" : "" }, String(a)), h("td", { class: changed ? "add" : "" }, String(b)));
}

function areasRow(prev, order, areaLabel) {
  const before = new Set(prev.area_codes || []);
  const after = new Set(order.area_codes || []);
  const added = [...after].filter((c) => !before.has(c));
  const removed = [...before].filter((c) => !after.has(c));
  const chips = (codes, cls) => codes.map((c) => h("span", { class: cls }, areaLabel(c), " "));
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, t("order.areas")),
    h("td", {}, removed.length ? chips(removed, "del") : "—"),
    h("td", {}, added.length ? chips(added, "add") : t("order.diff_same_areas")),
  );
}

function diffTable(prev, order, areaLabel) {
  const yesNo = (o) => (o.geometry ? t("common.yes") : t("common.no"));
  const rows = [
    [t("order.level"), prev.level, order.level],
    [t("order.hazard"), hazardLabel(prev.hazard), hazardLabel(order.hazard)],
    [t("order.reason"), prev.reason || "—", order.reason || "—"],
    [t("order.drawn"), yesNo(prev), yesNo(order)],
  ];
  const head = h("tr", {}, h("th", { scope: "col" }, t("order.diff_field")), h("th", { scope: "col" }, t("order.diff_before")), h("th", { scope: "col" }, t("order.diff_after")));
  return tableWrap(t("order.diff"), h("table", { class: "diff" }, h("thead", {}, head), h("tbody", {}, rows.map(fieldRow), areasRow(prev, order, areaLabel))));
}

export function orderDiff(ctx, areaLabel) {
  const el = h("div");

  async function load(order) {
    try {
      const prev = previousOrder(order, await ctx.api.get("orders_all"));
      if (!prev) {
        replace(el, empty(t("order.diff_none")));
        return;
      }
      replace(el, h("p", {}, h("a", { href: `#/orders/${prev.id}` }, t("order.diff_against", { id: prev.id })), " ", orderStatusChip(prev.status)), diffTable(prev, order, areaLabel));
    } catch (err) {
      replace(el, errorNotice(ctx, err));
    }
  }

  return { el, load };
}
