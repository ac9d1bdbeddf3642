// A panel holding a Leaflet map, and opening that map (or a notice when the map package is not served).

import { h, replace } from "../dom.js";
import { createMap, loadLeaflet } from "../mapview.js";

// The section with its heading, a place for notices and tools, and the map box.
export function mapPanel(title, { className = "", tall = false, tools = [] } = {}) {
  const box = h("div", { class: tall ? "map map-tall" : "map" });
  const note = h("div");
  const el = h("section", { class: `panel ${className}`.trim(), "aria-label": title }, h("h2", {}, title), tools, note, box);
  return { el, box, note };
}

// Leaflet and a map in the panel's box; null (box hidden, notice shown) when Leaflet is not available.
export async function openMap(ctx, view, { label, unavailable }) {
  const L = await loadLeaflet(ctx.api.has("map_static"));
  if (!L) {
    view.box.hidden = true;
    replace(view.note, ctx.unavailable(unavailable));
    return null;
  }
  return { L, map: createMap(view.box, L, { label }) };
}
