// The board's station events: what the live stream reported this session, newest first.

import { empty, levelBadge } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t, tOr } from "../../i18n.js";
import { eventLevel } from "../../live.js";

const EVENTS_KEPT = 50;
// How long a new event stays highlighted.
const FRESH_MS = 10000;
// Events seen this session, kept across visits to other screens.
const seenEvents = [];

function describeEvent(event) {
  const d = event.data || {};
  const name = d.station_name || d.name || d.station_code || d.code || (d.id !== undefined ? `#${d.id}` : "");
  const what = tOr(`event.${event.kind}`, event.kind);
  return `${what} ${name}`.trim();
}

function eventRow(e, config) {
  const level = eventLevel(e);
  return h(
    "li",
    { class: e.fresh ? "new" : "" },
    h("span", {}, level ? levelBadge(level, config) : null, " ", describeEvent(e)),
    h("time", { class: "hint", datetime: e.created_at }, formatTime(e.created_at, currentLang(), { seconds: true })),
  );
}

export function eventsPanel(ctx) {
  const el = h("div");

  function draw() {
    const shown = seenEvents.filter((e) => !e.kind.startsWith("shelter.occupancy"));
    replace(
      el,
      ctx.live && ctx.live.state !== "unavailable" ? null : ctx.unavailable(t("board.events_unavailable")),
      shown.length ? h("ul", { class: "event-list", "aria-live": "polite" }, shown.slice(0, EVENTS_KEPT).map((e) => eventRow(e, ctx.config))) : empty(t("board.events_none")),
    );
  }

  // Keep a new event (highlighted for a while); the caller decides whether the list is redrawn.
  function record(event) {
    seenEvents.unshift({ ...event, fresh: true });
    seenEvents.length = Math.min(seenEvents.length, EVENTS_KEPT);
    setTimeout(() => {
      for (const e of seenEvents) e.fresh = false;
    }, FRESH_MS);
  }

  return { el, draw, record };
}
