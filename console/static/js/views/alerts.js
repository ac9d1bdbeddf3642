// Alerts: drafts from the rules and orders, what was approved and sent.

import { alertStatusChip, empty, hazardLabel, levelBadge } from "../common.js";
import { statusList } from "../components/status_list.js";
import { field, formatTime, h, replace, select } from "../dom.js";
import { currentLang, t, tOr } from "../i18n.js";

const FILTER_KEY = "bosai.console.alertStatus";

export function alertTitle(alert) {
  const lang = currentLang() === "en" ? "en" : "ja";
  const m = (alert.messages || {})[lang] || (alert.messages || {}).ja;
  return m && m.title ? m.title : tOr(`alert.kind.${alert.kind}`, alert.kind);
}

export async function render(root, ctx) {
  const { api, config } = ctx;
  if (!api.has("alerts")) {
    replace(root, h("h1", {}, t("nav.alerts")), ctx.unavailable(t("alerts.unavailable")));
    return null;
  }
  const statusSelect = select([["", t("common.all")], ...config.alert_statuses.map((s) => [s, t(`alert.status.${s}`)])], sessionStorage.getItem(FILTER_KEY) ?? "draft", { name: "status" });
  const list = h("div", { class: "card-list" });
  const count = h("p", { class: "count", role: "status" });
  replace(root, h("div", { class: "view-head" }, h("h1", {}, t("nav.alerts"))), h("form", { class: "filters", onsubmit: (e) => e.preventDefault() }, field(t("alerts.filter_status"), statusSelect)), count, list);

  async function fill() {
    const alerts = (await api.get("alerts", [], { query: { status: statusSelect.value, limit: 100 } })).alerts || [];
    count.textContent = t("alerts.count", { n: alerts.length });
    replace(
      list,
      alerts.length
        ? alerts.map((a) =>
            h(
              "a",
              { class: "card", href: `#/alerts/${a.id}` },
              h("div", { class: "card-top" }, h("span", {}, levelBadge(a.level, config), " ", h("strong", {}, alertTitle(a))), alertStatusChip(a.status)),
              h("div", { class: "card-meta" }, `#${a.id} · ${tOr(`alert.kind.${a.kind}`, a.kind)} · ${hazardLabel(a.hazard)} · ${t(`alert.msg_type.${a.msg_type}`)}`, a.sent_at ? ` · ${t("alerts.sent_at", { at: formatTime(a.sent_at, currentLang()) })}` : "", Object.keys(a.fallbacks || {}).length ? ` · ⚠ ${t("alerts.has_fallbacks")}` : ""),
            ),
          )
        : empty(t("alerts.none")),
    );
  }

  return statusList(ctx, { list, statusSelect, filterKey: FILTER_KEY, fill, reloadsOn: (kind) => kind.startsWith("alert") || kind.startsWith("order") });
}
