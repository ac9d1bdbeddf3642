// The board's map: ward outlines, current orders, open shelters and reporting gauges, tooltips as plain text.

import { loadAreas, shelterName } from "../../common.js";
import { t } from "../../i18n.js";
import { mapPanel, openMap } from "../../components/mappanel.js";
import { STATUS_COLOURS, drawAreas, fitTo, textTooltip } from "../../mapview.js";
import { levelText, reports } from "./gauges.js";

const HIDDEN_STATUSES = ["closed", "closed_again"];

// data: the board's { shelters, gauges } (read at each draw).
export function boardMap(ctx, data) {
  const { api, config } = ctx;
  const view = mapPanel(t("board.map"), { className: "span-2" });
  let map = null;
  let L = null;
  let layers = {};

  async function setup() {
    const opened = await openMap(ctx, view, { label: t("board.map"), unavailable: t("map.unavailable") });
    if (!opened) return;
    ({ L, map } = opened);
    try {
      const { features } = await loadAreas(api);
      fitTo(map, drawAreas(L, map, features.filter((f) => f.properties.kind === "ward")));
    } catch {
      // the outline is decoration; markers still show
    }
    draw();
  }

  async function ordersLayer() {
    if (!api.has("orders_current")) return null;
    try {
      const current = await api.get("orders_current");
      if (!map) return null;
      return L.geoJSON(current, {
        style: (f) => ({ color: config.level_colours[String(f.properties.level)] || "#aa00aa", weight: 2, fillOpacity: 0.25 }),
        onEachFeature: (f, item) => textTooltip(item, `${t("level.short", { n: f.properties.level })} ${f.properties.level_name || ""}`),
      });
    } catch {
      return null; // orders are also listed beside the map
    }
  }

  function shelterMarker(f) {
    const p = f.properties;
    const marker = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], { radius: 7, color: "#fff", weight: 1, fillColor: STATUS_COLOURS[p.status], fillOpacity: 1 });
    return textTooltip(marker, `${shelterName(p)} — ${t(`shelter.status.${p.status}`)}`);
  }

  function gaugeMarker(g) {
    const marker = L.circleMarker([g.lat, g.lon], { radius: 6, weight: 2, color: g.stale ? "#37474f" : "#0b3a66", fillColor: g.alertLevel ? config.level_colours[String(g.alertLevel)] : "#ffffff", fillOpacity: 1 });
    return textTooltip(marker, `${g.name} ${levelText(g)}${g.stale ? ` (${t("board.stale")})` : ""}`);
  }

  async function draw() {
    if (!map) return;
    for (const layer of Object.values(layers)) layer.remove();
    layers = {};
    const orders = await ordersLayer();
    if (!map) return;
    if (orders) layers.orders = orders.addTo(map);
    layers.shelters = L.layerGroup(data.shelters.filter((f) => !HIDDEN_STATUSES.includes(f.properties.status)).map(shelterMarker)).addTo(map);
    layers.gauges = L.layerGroup(data.gauges.filter((g) => g.lat && g.lon && reports(g)).map(gaugeMarker)).addTo(map);
  }

  function remove() {
    if (map) map.remove();
    map = null;
  }

  return { el: view.el, setup, draw, remove };
}
