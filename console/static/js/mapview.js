// Maps with the Leaflet the public map vendors (reused by URL, never copied); absent → the caller shows a notice.

import { h } from "./dom.js";

const LEAFLET_JS = "/static/vendor/leaflet/leaflet.js";
const LEAFLET_CSS = "/static/vendor/leaflet/leaflet.css";
// The four wards, for the first view before any data is drawn.
const WARDS_CENTRE = [35.63, 139.76];
const WARDS_ZOOM = 12;
let loading = null;

// Leaflet is served by the map package at /static/… — only when that route exists (config "leaflet").
export function loadLeaflet(available) {
  if (window.L) return Promise.resolve(window.L);
  if (!available) return Promise.resolve(null);
  if (!loading) {
    loading = new Promise((resolve) => {
      document.head.append(h("link", { rel: "stylesheet", href: LEAFLET_CSS }));
      const script = h("script", { src: LEAFLET_JS });
      script.addEventListener("load", () => resolve(window.L ? hardenCanvas(window.L) : null));
      script.addEventListener("error", () => resolve(null));
      document.head.append(script);
    });
  }
  return loading;
}

// Leaflet 1.9.4 can run a canvas redraw frame after a removed map destroyed its canvas (Leaflet #6030, #9608,
// fixed only in 2.x): the screens remove their maps on every route change, so a stale frame must be a no-op.
function hardenCanvas(L) {
  const proto = L.Canvas.prototype;
  const destroy = proto._destroyContainer;
  const redraw = proto._redraw;
  proto._destroyContainer = function destroyContainer() {
    destroy.call(this);
    this._redrawRequest = null;
  };
  proto._redraw = function guardedRedraw() {
    if (!this._ctx) {
      this._redrawRequest = null;
      return;
    }
    redraw.call(this);
  };
  return L;
}

export function createMap(container, L, { label }) {
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", label);
  // No zoom/fade animation: a screen may remove its map at any moment (Leaflet then throws in the animation end).
  const map = L.map(container, { preferCanvas: true, zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false, zoomSnap: 0.25, zoomDelta: 0.5 });
  map.setView(WARDS_CENTRE, WARDS_ZOOM);
  map.attributionControl.setPrefix(false);
  return map;
}

// Area outlines (wards thicker than town blocks) from /api/areas or the public map's base layer.
export function drawAreas(L, map, features, { onClick, selected = new Set() } = {}) {
  const layer = L.geoJSON(
    { type: "FeatureCollection", features: features.filter((f) => f.geometry && f.geometry.type.includes("Polygon")) },
    {
      style: (feature) => areaStyle(feature, selected),
      onEachFeature: (feature, item) => {
        const p = feature.properties || {};
        textTooltip(item, p.name || p.code || "", { sticky: true });
        if (onClick) item.on("click", () => onClick(p.code, item));
      },
    },
  ).addTo(map);
  return layer;
}

// A tooltip that shows data as text: Leaflet writes a string tooltip as HTML, so it always gets a DOM node.
export function textTooltip(layer, text, options) {
  return layer.bindTooltip(() => document.createTextNode(String(text ?? "")), options);
}

export function areaStyle(feature, selected) {
  const p = feature.properties || {};
  const ward = p.kind === "ward";
  const chosen = selected.has(p.code);
  return {
    color: chosen ? "#6a1b9a" : ward ? "#37474f" : "#78909c",
    weight: chosen ? 3 : ward ? 2 : 0.8,
    fillColor: chosen ? "#ab47bc" : "#cfd8dc",
    fillOpacity: chosen ? 0.35 : ward ? 0.06 : 0.02,
  };
}

export function fitTo(map, layer) {
  try {
    map.invalidateSize({ pan: false });
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], animate: false });
  } catch {
    // empty layer: keep the default view
  }
}

export const STATUS_COLOURS = {
  closed: "#607d8b",
  opening: "#b26a00",
  open: "#1b7f3b",
  full: "#c62828",
  closed_again: "#455a64",
};
