// An order's area on a map: its wards and town blocks highlighted among the wards, and any drawn polygon.

import { loadAreas } from "../../common.js";
import { t } from "../../i18n.js";
import { mapPanel, openMap } from "../../components/mappanel.js";
import { areaStyle, drawAreas, fitTo } from "../../mapview.js";

export const DRAWN_STYLE = { color: "#6a1b9a", weight: 3, dashArray: "6 4", fillOpacity: 0.25 };

export function orderMap(ctx) {
  const view = mapPanel(t("order.area"));

  // Resolves to the Leaflet map (to remove with the screen), or null without Leaflet.
  async function open(order) {
    const opened = await openMap(ctx, view, { label: t("order.area"), unavailable: t("map.unavailable") });
    if (!opened) return null;
    const { L, map } = opened;
    const selected = new Set(order.area_codes || []);
    try {
      const { features } = await loadAreas(ctx.api);
      const layer = drawAreas(L, map, features.filter((f) => selected.has(f.properties.code) || f.properties.kind === "ward"), { selected });
      layer.setStyle((f) => areaStyle(f, selected));
      if (selected.size) fitTo(map, L.geoJSON({ type: "FeatureCollection", features: features.filter((f) => selected.has(f.properties.code)) }));
    } catch {
      // outlines are context only
    }
    if (order.geometry) {
      const drawn = L.geoJSON(order.geometry, { style: DRAWN_STYLE }).addTo(map);
      if (!selected.size) fitTo(map, drawn);
    }
    return map;
  }

  return { el: view.el, open };
}
