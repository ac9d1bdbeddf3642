// A shelter's history: status, occupancy and link changes, newest first, with who made them.

import { empty, errorNotice } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";
import { actorLabel } from "./facts.js";

const HISTORY_ITEMS = 30;

function describe(item) {
  const before = item.before || {};
  const after = item.after || {};
  if (item.action === "shelter.status") return t("shelter.history_status", { from: t(`shelter.status.${before.status}`), to: t(`shelter.status.${after.status}`) });
  if (item.action === "shelter.occupancy") return t("shelter.history_occupancy", { from: before.occupancy, to: after.occupancy });
  if (item.action === "shelter.operator_link") return t("shelter.history_link");
  return item.action;
}

function historyRow(item) {
  return h("li", {}, h("time", { datetime: item.at }, formatTime(item.at, currentLang(), { seconds: true })), " ", h("span", {}, describe(item)), " ", h("span", { class: "who" }, actorLabel(item.actor)));
}

export function shelterHistory(ctx, id) {
  const { api } = ctx;
  const el = h("div", { class: "history" });

  async function load() {
    if (!api.has("shelter_history")) {
      replace(el, ctx.unavailable(t("shelter.history_unavailable")));
      return;
    }
    try {
      const data = await api.get("shelter_history", [id], { query: { limit: HISTORY_ITEMS } });
      replace(el, data.items.length ? h("ol", { class: "timeline" }, data.items.map(historyRow)) : empty(t("shelter.history_empty")));
    } catch (err) {
      replace(el, errorNotice(ctx, err));
    }
  }

  return { el, load };
}
