// Whom an order reaches (residents, subscribers per channel, signs, shelters), from /api/orders/preview-targets.

import { errorNotice } from "../common.js";
import { formatNumber, h, replace } from "../dom.js";
import { currentLang, t } from "../i18n.js";

export async function renderTargets(box, ctx, { areaCodes, geometry, hazard }) {
  const { api } = ctx;
  if (!api.has("order_targets")) {
    replace(box, ctx.unavailable(t("targets.unavailable")));
    return;
  }
  replace(box, h("p", { class: "hint" }, t("common.loading")));
  try {
    const data = await api.get("order_targets", [], {
      query: { area: areaCodes, geometry: geometry ? JSON.stringify(geometry) : null, hazard },
    });
    const n = (v) => formatNumber(v, currentLang());
    const channels = Object.entries(data.subscribers.by_channel || {});
    replace(
      box,
      h(
        "div",
        { class: "targets" },
        h("div", { class: "stat" }, h("span", {}, t("targets.residents")), h("b", {}, data.residents === null ? "—" : n(data.residents)), data.residents === null ? h("span", { class: "hint" }, t("targets.residents_unknown")) : null),
        h("div", { class: "stat", dataset: { target: "subscribers" } }, h("span", {}, t("targets.subscribers")), h("b", {}, n(data.subscribers.total)), channels.length ? h("span", { class: "hint" }, channels.map(([c, k]) => `${t(`channel.${c}`)} ${n(k)}`).join(" / ")) : null),
        h("div", { class: "stat", dataset: { target: "signs" } }, h("span", {}, t("targets.signs")), h("b", {}, n(data.signs))),
        h("div", { class: "stat", dataset: { target: "shelters" } }, h("span", {}, hazard ? t("targets.shelters_for") : t("targets.shelters")), h("b", {}, n(data.shelters)), h("span", { class: "hint" }, t("targets.shelters_open", { n: n(data.shelters_open) }))),
      ),
    );
  } catch (err) {
    replace(box, errorNotice(ctx, err));
  }
}
