// Evacuation orders: every order with its status; drafters start a new one, approvers open drafts.

import { areaNamesOf, empty, hazardLabel, levelBadge, orderStatusChip } from "../common.js";
import { statusList } from "../components/status_list.js";
import { field, formatTime, h, replace, select } from "../dom.js";
import { currentLang, t } from "../i18n.js";

const FILTER_KEY = "bosai.console.orderStatus";

export async function render(root, ctx) {
  const { api, config } = ctx;
  if (!api.has("orders_all")) {
    replace(root, h("h1", {}, t("nav.orders")), ctx.unavailable(t("orders.unavailable")));
    return null;
  }
  const statusSelect = select([["", t("common.all")], ...config.order_statuses.map((s) => [s, t(`order.status.${s}`)])], sessionStorage.getItem(FILTER_KEY) || "", { name: "status" });
  const list = h("div", { class: "card-list" });
  const count = h("p", { class: "count", role: "status" });
  replace(
    root,
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, t("nav.orders")),
      ctx.can("order.draft") && api.has("order_draft") ? h("a", { class: "btn btn-primary btn-big", href: "#/orders/new" }, t("orders.new")) : null,
    ),
    h("form", { class: "filters", onsubmit: (e) => e.preventDefault() }, field(t("orders.filter_status"), statusSelect)),
    count,
    list,
  );

  async function fill() {
    const orders = await api.get("orders_all", [], { query: { status: statusSelect.value } });
    count.textContent = t("orders.count", { n: orders.length });
    const names = await Promise.all(orders.map((o) => areaNamesOf(api, o.area_codes)));
    replace(
      list,
      orders.length
        ? orders.map((o, i) => {
            const mine = ctx.me.user_id !== null && o.drafted_by === ctx.me.actor;
            const waiting = o.status === "draft" && ctx.can("order.approve") && !mine;
            return h(
              "a",
              { class: "card", href: `#/orders/${o.id}` },
              h("div", { class: "card-top" }, h("span", {}, levelBadge(o.level, config), " ", h("strong", {}, hazardLabel(o.hazard)), " ", `#${o.id}`), h("span", {}, waiting ? h("span", { class: "chip ostatus-approved" }, t("orders.awaiting_you")) : null, " ", orderStatusChip(o.status))),
              h("div", { class: "card-meta" }, (o.area_codes || []).length ? t("orders.areas_n", { n: o.area_codes.length, list: names[i].slice(0, 6).join("、") }) : t("orders.drawn_area"), o.geometry && (o.area_codes || []).length ? ` + ${t("orders.drawn_area")}` : ""),
              h("div", { class: "card-meta" }, t("orders.drafted", { who: o.drafted_by || "—", at: formatTime(o.created_at, currentLang()) }), o.approved_by ? ` · ${t("orders.approved_by", { who: o.approved_by })}` : ""),
            );
          })
        : empty(t("orders.none")),
    );
  }

  return statusList(ctx, { list, statusSelect, filterKey: FILTER_KEY, fill, reloadsOn: (kind) => kind.startsWith("order") });
}
