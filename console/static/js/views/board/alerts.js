// The board's active alerts: drafts, approved and sent, each a card to its screen.

import { alertStatusChip, empty, errorNotice, levelBadge } from "../../common.js";
import { h, replace } from "../../dom.js";
import { currentLang, t, tOr } from "../../i18n.js";
import { linkCard } from "../../components/links.js";

const ACTIVE_ALERTS = ["draft", "approved", "sent"];
const ALERTS_READ = 50;
const ALERTS_SHOWN = 12;

function messageTitle(a) {
  const lang = currentLang() === "en" ? "en" : "ja";
  const m = (a.messages || {})[lang] || (a.messages || {}).ja;
  return m && m.title ? m.title : tOr(`alert.kind.${a.kind}`, a.kind);
}

// load() resolves to the latest alerts (null when they could not be read).
export function alertsPanel(ctx) {
  const { api, config } = ctx;
  const el = h("div");

  async function load() {
    if (!api.has("alerts")) {
      replace(el, ctx.unavailable(t("alerts.unavailable")));
      return null;
    }
    try {
      const list = (await api.get("alerts", [], { query: { limit: ALERTS_READ } })).alerts || [];
      const active = list.filter((a) => ACTIVE_ALERTS.includes(a.status));
      replace(
        el,
        active.length
          ? h("div", { class: "card-list" }, active.slice(0, ALERTS_SHOWN).map((a) => linkCard(`#/alerts/${a.id}`, [levelBadge(a.level, config), " ", messageTitle(a)], alertStatusChip(a.status))))
          : empty(t("board.alerts_none")),
      );
      return list;
    } catch (err) {
      replace(el, errorNotice(ctx, err));
      return null;
    }
  }

  return { el, load };
}
