// The board's offline signs: signage devices that stopped reporting, with their last heartbeat.

import { empty, errorNotice } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";

function signRow(d) {
  const last = d.last_heartbeat_at ? t("board.sign_last", { at: formatTime(d.last_heartbeat_at, currentLang()) }) : t("board.sign_never");
  return h("li", {}, h("strong", {}, d.name), ` (${d.device_id}) `, h("span", { class: "hint" }, last));
}

export function signsPanel(ctx) {
  const { api } = ctx;
  const el = h("div");

  async function load() {
    if (!api.has("signs")) {
      replace(el, ctx.unavailable(t("board.signs_unavailable")));
      return;
    }
    try {
      const list = (await api.get("signs", [], { query: { offline: "true" } })).devices || [];
      replace(el, list.length ? h("ul", { class: "plain-list" }, list.map(signRow)) : empty(t("board.signs_none")));
    } catch (err) {
      replace(el, errorNotice(ctx, err));
    }
  }

  return { el, load };
}
