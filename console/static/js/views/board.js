// Situation board: gauges, station events, orders, alerts and offline signs, live over /api/events.

import { alertStatusChip, areaNamesOf, empty, errorNotice, hazardLabel, levelBadge, loadAreas, orderStatusChip, panel, shelterName } from "../common.js";
import { debounce, formatNumber, formatTime, h, replace } from "../dom.js";
import { currentLang, t, tOr } from "../i18n.js";
import { eventLevel } from "../live.js";
import { STATUS_COLOURS, createMap, drawAreas, fitTo, loadLeaflet } from "../mapview.js";

const EVENTS_KEPT = 50;
const GAUGES_SHOWN = 40;
const ACTIVE_ORDERS = ["draft", "returned", "approved", "issued"];
const ACTIVE_ALERTS = ["draft", "approved", "sent"];
const RELOAD_MS = 800;
const GAUGE_MARGIN_DEG = 0.05;
const TREND_ARROWS = { rising: "↑", falling: "↓", steady: "→" };
// Events seen this session, kept across visits to other screens.
const seenEvents = [];

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

export async function render(root, ctx) {
  const { api, config } = ctx;
  ctx.alarm.acknowledge();
  const stats = h("div", { class: "stat-row" });
  const gauges = h("div");
  const events = h("div");
  const orders = h("div");
  const alerts = h("div");
  const signs = h("div");
  const mapBox = h("div", { class: "map" });
  const mapNote = h("div");
  let shelters = [];
  let gaugeItems = [];
  let map = null;
  let L = null;
  let layers = {};

  replace(
    root,
    h("div", { class: "view-head" }, h("h1", {}, t("nav.board")), h("p", { class: "hint" }, t("board.live_hint"))),
    h(
      "div",
      { class: "grid board" },
      panel(t("board.summary"), stats),
      h("section", { class: "panel span-2", "aria-label": t("board.map") }, h("h2", {}, t("board.map")), mapNote, mapBox),
      panel(t("board.gauges"), gauges),
      panel(t("board.events"), events),
      panel(t("board.orders"), orders),
      panel(t("board.alerts"), alerts),
      panel(t("board.signs"), signs),
    ),
  );

  function stat(label, value, href) {
    const body = [h("span", {}, label), h("b", {}, value === null ? "—" : formatNumber(value, currentLang()))];
    return href ? h("a", { class: "stat card", href }, body) : h("div", { class: "stat" }, body);
  }

  function drawStats(orderList, alertList) {
    const count = (status) => shelters.filter((f) => f.properties.status === status).length;
    replace(
      stats,
      stat(t("board.stat_open"), api.has("shelters") ? count("open") + count("opening") : null, "#/shelters"),
      stat(t("board.stat_full"), api.has("shelters") ? count("full") : null, "#/shelters"),
      stat(t("board.stat_orders"), orderList ? orderList.filter((o) => o.status === "issued").length : null, "#/orders"),
      stat(t("board.stat_pending"), alertList ? alertList.filter((a) => a.status === "draft").length + (orderList ? orderList.filter((o) => o.status === "draft").length : 0) : null, "#/alerts"),
    );
  }

  let orderList = null;
  let alertList = null;

  async function loadShelters() {
    if (!api.has("shelters")) return;
    try {
      shelters = (await api.get("shelters")).features || [];
    } catch {
      shelters = [];
    }
    drawStats(orderList, alertList);
    drawMap();
  }

  // The wards' extent with a margin (upstream gauges matter), for the gauge query.
  async function wardsBox() {
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

  async function loadGauges() {
    if (!api.has("stations")) {
      replace(gauges, ctx.unavailable(t("board.gauges_unavailable")));
      return;
    }
    try {
      const data = await api.get("stations", [], { query: { bbox: await wardsBox(), kind: "water_level" } });
      const items = Array.isArray(data) ? data : data.features || data.stations || [];
      gaugeItems = items.map(gaugeOf).sort((a, b) => gaugeRank(b) - gaugeRank(a));
      const shown = gaugeItems.filter((g) => g.level !== null || g.stale).slice(0, GAUGES_SHOWN);
      replace(
        gauges,
        h("p", { class: "hint" }, t("board.gauges_count", { shown: shown.length, total: gaugeItems.length })),
        shown.length
          ? h(
              "ul",
              { class: "gauge-list" },
              shown.map((g) =>
                h(
                  "li",
                  {},
                  h("span", {}, h("span", { class: "gauge-name" }, g.name || g.code), g.river ? h("span", { class: "hint" }, ` ${g.river}`) : null),
                  h(
                    "span",
                    { class: "gauge-meta" },
                    g.level !== null ? `${Number(g.level).toFixed(2)} m` : "—",
                    g.trend ? h("span", { class: "trend", title: t(`trend.${g.trend}`) }, TREND_ARROWS[g.trend] || "", h("span", { class: "sr-only" }, t(`trend.${g.trend}`))) : null,
                    g.alertLevel ? levelBadge(g.alertLevel, config) : g.band ? h("span", { class: "tag" }, t(`band.${g.band}`)) : null,
                    g.stale ? h("span", { class: "chip stale" }, t("board.stale")) : null,
                    g.at ? h("span", { class: "hint" }, formatTime(g.at, currentLang())) : null,
                  ),
                ),
              ),
            )
          : empty(t("board.gauges_none")),
      );
      drawMap();
    } catch (err) {
      replace(gauges, errorNotice(ctx, err));
    }
  }

  function describeEvent(event) {
    const d = event.data || {};
    const name = d.station_name || d.name || d.station_code || d.code || (d.id !== undefined ? `#${d.id}` : "");
    const what = tOr(`event.${event.kind}`, event.kind);
    return `${what} ${name}`.trim();
  }

  function drawEvents() {
    const shown = seenEvents.filter((e) => !e.kind.startsWith("shelter.occupancy"));
    replace(
      events,
      ctx.live && ctx.live.state !== "unavailable" ? null : ctx.unavailable(t("board.events_unavailable")),
      shown.length
        ? h(
            "ul",
            { class: "event-list", "aria-live": "polite" },
            shown.slice(0, EVENTS_KEPT).map((e) => {
              const level = eventLevel(e);
              return h("li", { class: e.fresh ? "new" : "" }, h("span", {}, level ? levelBadge(level, config) : null, " ", describeEvent(e)), h("time", { class: "hint", datetime: e.created_at }, formatTime(e.created_at, currentLang(), { seconds: true })));
            }),
          )
        : empty(t("board.events_none")),
    );
  }

  async function loadOrders() {
    if (!api.has("orders_all")) {
      replace(orders, ctx.unavailable(t("orders.unavailable")));
      return;
    }
    try {
      orderList = await api.get("orders_all");
      const active = orderList.filter((o) => ACTIVE_ORDERS.includes(o.status));
      const names = await Promise.all(active.map((o) => areaNamesOf(api, o.area_codes)));
      replace(
        orders,
        active.length
          ? h("div", { class: "card-list" }, active.map((o, i) => h("a", { class: "card", href: `#/orders/${o.id}` }, h("div", { class: "card-top" }, h("span", {}, levelBadge(o.level, config), " ", hazardLabel(o.hazard)), orderStatusChip(o.status)), h("div", { class: "card-meta" }, names[i].join("、") || t("orders.drawn_area")))))
          : empty(t("board.orders_none")),
      );
      drawStats(orderList, alertList);
      drawMap();
    } catch (err) {
      replace(orders, errorNotice(ctx, err));
    }
  }

  async function loadAlerts() {
    if (!api.has("alerts")) {
      replace(alerts, ctx.unavailable(t("alerts.unavailable")));
      return;
    }
    try {
      alertList = (await api.get("alerts", [], { query: { limit: 50 } })).alerts || [];
      const active = alertList.filter((a) => ACTIVE_ALERTS.includes(a.status));
      replace(
        alerts,
        active.length
          ? h("div", { class: "card-list" }, active.slice(0, 12).map((a) => h("a", { class: "card", href: `#/alerts/${a.id}` }, h("div", { class: "card-top" }, h("span", {}, levelBadge(a.level, config), " ", messageTitle(a)), alertStatusChip(a.status)))))
          : empty(t("board.alerts_none")),
      );
      drawStats(orderList, alertList);
    } catch (err) {
      replace(alerts, errorNotice(ctx, err));
    }
  }

  function messageTitle(a) {
    const lang = currentLang() === "en" ? "en" : "ja";
    const m = (a.messages || {})[lang] || (a.messages || {}).ja;
    return m && m.title ? m.title : tOr(`alert.kind.${a.kind}`, a.kind);
  }

  async function loadSigns() {
    if (!api.has("signs")) {
      replace(signs, ctx.unavailable(t("board.signs_unavailable")));
      return;
    }
    try {
      const data = await api.get("signs", [], { query: { offline: "true" } });
      const list = data.devices || [];
      replace(
        signs,
        list.length
          ? h("ul", { class: "plain-list" }, list.map((d) => h("li", {}, h("strong", {}, d.name), ` (${d.device_id}) `, h("span", { class: "hint" }, d.last_heartbeat_at ? t("board.sign_last", { at: formatTime(d.last_heartbeat_at, currentLang()) }) : t("board.sign_never")))))
          : empty(t("board.signs_none")),
      );
    } catch (err) {
      replace(signs, errorNotice(ctx, err));
    }
  }

  async function setupMap() {
    L = await loadLeaflet(api.has("map_static"));
    if (!L) {
      mapBox.hidden = true;
      replace(mapNote, ctx.unavailable(t("map.unavailable")));
      return;
    }
    map = createMap(mapBox, L, { label: t("board.map") });
    try {
      const { features } = await loadAreas(api);
      fitTo(map, drawAreas(L, map, features.filter((f) => f.properties.kind === "ward")));
    } catch {
      // the outline is decoration; markers still show
    }
    drawMap();
  }

  async function drawMap() {
    if (!map) return;
    for (const layer of Object.values(layers)) layer.remove();
    layers = {};
    if (api.has("orders_current")) {
      try {
        const current = await api.get("orders_current");
        if (!map) return;
        layers.orders = L.geoJSON(current, {
          style: (f) => ({ color: config.level_colours[String(f.properties.level)] || "#aa00aa", weight: 2, fillOpacity: 0.25 }),
          onEachFeature: (f, item) => item.bindTooltip(`${t("level.short", { n: f.properties.level })} ${f.properties.level_name || ""}`),
        }).addTo(map);
      } catch {
        // orders are also listed beside the map
      }
    }
    layers.shelters = L.layerGroup(
      shelters
        .filter((f) => f.properties.status !== "closed" && f.properties.status !== "closed_again")
        .map((f) => L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], { radius: 7, color: "#fff", weight: 1, fillColor: STATUS_COLOURS[f.properties.status], fillOpacity: 1 }).bindTooltip(`${shelterName(f.properties)} — ${t(`shelter.status.${f.properties.status}`)}`)),
    ).addTo(map);
    layers.gauges = L.layerGroup(
      gaugeItems
        .filter((g) => g.lat && g.lon && (g.level !== null || g.stale))
        .map((g) => L.circleMarker([g.lat, g.lon], { radius: 6, weight: 2, color: g.stale ? "#37474f" : "#0b3a66", fillColor: g.alertLevel ? config.level_colours[String(g.alertLevel)] : "#ffffff", fillOpacity: 1 }).bindTooltip(`${g.name} ${g.level !== null ? `${Number(g.level).toFixed(2)} m` : ""}${g.stale ? ` (${t("board.stale")})` : ""}`)),
    ).addTo(map);
  }

  const reloadOrders = debounce(loadOrders, RELOAD_MS);
  const reloadAlerts = debounce(loadAlerts, RELOAD_MS);
  const reloadGauges = debounce(loadGauges, RELOAD_MS * 4);
  const reloadShelters = debounce(loadShelters, RELOAD_MS * 2);

  const off = ctx.live
    ? ctx.live.on((event) => {
        seenEvents.unshift({ ...event, fresh: true });
        seenEvents.length = Math.min(seenEvents.length, EVENTS_KEPT);
        setTimeout(() => {
          for (const e of seenEvents) e.fresh = false;
        }, 10000);
        if (event.kind.startsWith("station")) {
          drawEvents();
          reloadGauges();
        } else if (event.kind.startsWith("order")) {
          drawEvents();
          reloadOrders();
        } else if (event.kind.startsWith("alert") || event.kind.startsWith("delivery")) {
          drawEvents();
          reloadAlerts();
        } else if (event.kind.startsWith("shelter")) {
          if (event.kind === "shelter.status") drawEvents();
          reloadShelters();
        } else if (event.kind.startsWith("signage")) loadSigns();
      })
    : null;
  const offState = ctx.live ? ctx.live.onState(() => drawEvents()) : null;

  drawEvents();
  drawStats(null, null);
  await Promise.all([setupMap(), loadShelters(), loadGauges(), loadOrders(), loadAlerts(), loadSigns()]);
  return () => {
    if (off) off();
    if (offState) offState();
    if (map) map.remove();
    map = null;
  };
}
