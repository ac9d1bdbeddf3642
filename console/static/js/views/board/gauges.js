// The board's river gauges: the wards' water-level gauges, the most alarming first (from /api/stations).

import { empty, errorNotice, levelBadge, loadAreas } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";

const GAUGES_SHOWN = 40;
const GAUGE_MARGIN_DEG = 0.05;
const TREND_ARROWS = { rising: "↑", falling: "↓", steady: "→" };

// A gauge from /api/stations, whatever its exact shape (GeoJSON Feature or plain object).
export function gaugeOf(item) {
  const p = item.properties || item;
  const latest = p.latest || p.latest_reading || {};
  const coords = item.geometry && item.geometry.coordinates;
  return {
    code: p.code ?? p.id,
    name: p.name,
    river: p.river,
    level: p.water_level_m ?? p.level_m ?? latest.water_level_m ?? null,
    band: p.band ?? null,
    alertLevel: p.alert_level ?? null,
    trend: p.trend ?? null,
    // A gauge that never reported is "no data", not "stale".
    stale: Boolean(p.stale) && (p.water_level_m ?? p.level_m ?? latest.water_level_m ?? p.last_seen_at ?? null) !== null,
    at: p.observed_at ?? p.last_observed_at ?? latest.observed_at ?? null,
    lat: coords ? coords[1] : p.lat,
    lon: coords ? coords[0] : p.lon,
  };
}

function gaugeRank(g) {
  return (g.alertLevel || 0) * 10 + (g.stale ? 1 : 0) + (g.level !== null ? 0.5 : 0);
}

// A gauge worth showing: it has a reading, or it went quiet.
export function reports(g) {
  return g.level !== null || g.stale;
}

export function levelText(g) {
  return g.level !== null ? `${Number(g.level).toFixed(2)} m` : "";
}

// The wards' extent with a margin (upstream gauges matter), for the gauge query.
async function wardsBox(api) {
  try {
    const { areas } = await loadAreas(api);
    let box = null;
    const visit = (c) => {
      if (typeof c[0] === "number") {
        box = box ? [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]), Math.max(box[3], c[1])] : [c[0], c[1], c[0], c[1]];
      } else c.forEach(visit);
    };
    for (const area of areas.filter((a) => a.kind === "ward" && a.geometry)) visit(area.geometry.coordinates);
    return box ? [box[0] - GAUGE_MARGIN_DEG, box[1] - GAUGE_MARGIN_DEG, box[2] + GAUGE_MARGIN_DEG, box[3] + GAUGE_MARGIN_DEG].map((v) => v.toFixed(4)).join(",") : null;
  } catch {
    return null;
  }
}

function gaugeRow(g, config) {
  return h(
    "li",
    {},
    h("span", {}, h("span", { class: "gauge-name" }, g.name || g.code), g.river ? h("span", { class: "hint" }, ` ${g.river}`) : null),
    h(
      "span",
      { class: "gauge-meta" },
      g.level !== null ? levelText(g) : "—",
      g.trend ? h("span", { class: "trend", title: t(`trend.${g.trend}`) }, TREND_ARROWS[g.trend] || "", h("span", { class: "sr-only" }, t(`trend.${g.trend}`))) : null,
      g.alertLevel ? levelBadge(g.alertLevel, config) : g.band ? h("span", { class: "tag" }, t(`band.${g.band}`)) : null,
      g.stale ? h("span", { class: "chip stale" }, t("board.stale")) : null,
      g.at ? h("span", { class: "hint" }, formatTime(g.at, currentLang())) : null,
    ),
  );
}

// load() resolves to every gauge, ranked (null when the list could not be read).
export function gaugesPanel(ctx) {
  const { api, config } = ctx;
  const el = h("div");

  async function load() {
    if (!api.has("stations")) {
      replace(el, ctx.unavailable(t("board.gauges_unavailable")));
      return null;
    }
    try {
      const data = await api.get("stations", [], { query: { bbox: await wardsBox(api), kind: "water_level" } });
      const items = (Array.isArray(data) ? data : data.features || data.stations || []).map(gaugeOf).sort((a, b) => gaugeRank(b) - gaugeRank(a));
      const shown = items.filter(reports).slice(0, GAUGES_SHOWN);
      replace(
        el,
        h("p", { class: "hint" }, t("board.gauges_count", { shown: shown.length, total: items.length })),
        shown.length ? h("ul", { class: "gauge-list" }, shown.map((g) => gaugeRow(g, config))) : empty(t("board.gauges_none")),
      );
      return items;
    } catch (err) {
      replace(el, errorNotice(ctx, err));
      return null;
    }
  }

  return { el, load };
}
