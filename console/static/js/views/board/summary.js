// The board's summary: open and full shelters, issued orders, drafts waiting for approval.

import { formatNumber, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";

function stat(label, value, href) {
  const body = [h("span", {}, label), h("b", {}, value === null ? "—" : formatNumber(value, currentLang()))];
  return href ? h("a", { class: "stat card", href }, body) : h("div", { class: "stat" }, body);
}

export function summaryPanel(ctx) {
  const el = h("div", { class: "stat-row" });

  // data: { shelters, orders, alerts } as the board holds them (orders / alerts null until read).
  function draw({ shelters, orders, alerts }) {
    const hasShelters = ctx.api.has("shelters");
    const count = (status) => shelters.filter((f) => f.properties.status === status).length;
    const drafts = (list) => (list ? list.filter((x) => x.status === "draft").length : 0);
    replace(
      el,
      stat(t("board.stat_open"), hasShelters ? count("open") + count("opening") : null, "#/shelters"),
      stat(t("board.stat_full"), hasShelters ? count("full") : null, "#/shelters"),
      stat(t("board.stat_orders"), orders ? orders.filter((o) => o.status === "issued").length : null, "#/orders"),
      stat(t("board.stat_pending"), alerts ? drafts(alerts) + drafts(orders) : null, "#/alerts"),
    );
  }

  return { el, draw };
}
