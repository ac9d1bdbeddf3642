/* The map and its base: the hub's simple offline base (wards, town blocks, rivers) and optional online tiles. */
(function () {
  "use strict";
  const B = window.Bosai;
  const TOKYO = [35.65, 139.75];
  const DEFAULT_ZOOM = 12;
  const MIN_ZOOM = 9;
  const MAX_ZOOM = 19;
  const TOWN_LABEL_ZOOM = 15;
  /* Leaflet pane order (z-index): base shapes, hazard, history, orders, lines, labels; markers stay at 600. */
  const PANES = { base: 250, hazard: 350, history: 360, orders: 370, lines: 380, labels: 390 };
  const STYLE = {
    context: { color: "#a8a396", weight: 1, fillColor: "#e6e3da", fillOpacity: 1 },
    ward: { color: "#3d352b", weight: 2.5, fillColor: "#fffdf8", fillOpacity: 1 },
    town_block: { color: "#8c8478", weight: 0.8, fill: false },
    river: { color: "#2f74b5", weight: 3, opacity: 0.9 },
  };
  let baseLayer = null;
  let labels = null;
  let townLabels = null;
  let onlineLayer = null;

  /* Popups keep clear of the zoom buttons and the panel edges when they pan into view. */
  const POPUP_PADDING_TOP_LEFT = [64, 16];
  const POPUP_PADDING_BOTTOM_RIGHT = [16, 16];

  B.initMap = function () {
    L.Popup.prototype.options.autoPanPaddingTopLeft = L.point(POPUP_PADDING_TOP_LEFT);
    L.Popup.prototype.options.autoPanPaddingBottomRight = L.point(POPUP_PADDING_BOTTOM_RIGHT);
    const extent = B.cfg.extent;
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const map = L.map("map", {
      fadeAnimation: !still,
      zoomAnimation: !still,
      markerZoomAnimation: !still,
      zoomControl: true,
      minZoom: MIN_ZOOM,
      maxZoom: MAX_ZOOM,
      keyboard: true,
      worldCopyJump: false,
      attributionControl: true,
    });
    B.map = map;
    for (const [name, z] of Object.entries(PANES)) {
      map.createPane(name).style.zIndex = String(z);
    }
    map.getPane("labels").style.pointerEvents = "none";
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.attributionControl.addAttribution(B.escape("出典: 国土地理院, 国土数値情報, 品川区"));
    const saved = B.store.get("view", null);
    if (saved && Array.isArray(saved.center)) map.setView(saved.center, saved.zoom);
    else if (extent) map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
    else map.setView(TOKYO, DEFAULT_ZOOM);
    if (extent) {
      const pad = 0.3;
      map.setMaxBounds([[extent[1] - pad, extent[0] - pad], [extent[3] + pad, extent[2] + pad]]);
    }
    map.on("moveend", B.debounce(() => B.store.set("view", { center: [map.getCenter().lat, map.getCenter().lng], zoom: map.getZoom() }), 500));
    map.on("zoomend", updateTownLabels);
    map.on("movestart", () => (B.moving = true));
    map.on("moveend", () => (B.moving = false));
    return map;
  };

  function label(feature, cls) {
    const p = feature.properties;
    const point = p.label_point;
    if (!point || !p.name) return null;
    const extra = p.name_en && B.lang !== "ja" && B.lang !== "ja-easy" ? B.el("span", { class: "map-label__en", text: p.name_en }) : null;
    const name = p.name_kana && B.lang === "ja-easy" ? B.el("ruby", null, [p.name, B.el("rt", { text: p.name_kana })]) : p.name;
    return L.marker([point[1], point[0]], {
      pane: "labels",
      interactive: false,
      keyboard: false,
      /* A node, not markup: area names come from data. */
      icon: L.divIcon({ className: `map-label ${cls}`, html: B.el("span", null, [name, extra]), iconSize: null }),
    });
  }

  function drawLabels(features) {
    if (labels) labels.remove();
    if (townLabels) townLabels.remove();
    labels = L.layerGroup();
    townLabels = L.layerGroup();
    for (const f of features) {
      const layer = f.properties.layer;
      if (layer === "context") {
        const m = label(f, "map-label--context");
        if (m) labels.addLayer(m);
      } else if (layer === "area") {
        const m = label(f, f.properties.kind === "ward" ? "map-label--ward" : "map-label--town");
        if (m) (f.properties.kind === "ward" ? labels : townLabels).addLayer(m);
      }
    }
    labels.addTo(B.map);
    updateTownLabels();
  }

  function updateTownLabels() {
    if (!townLabels || !B.map) return;
    const show = B.map.getZoom() >= TOWN_LABEL_ZOOM;
    if (show && !B.map.hasLayer(townLabels)) townLabels.addTo(B.map);
    if (!show && B.map.hasLayer(townLabels)) townLabels.remove();
  }

  function styleFor(feature) {
    const p = feature.properties;
    const online = Boolean(onlineLayer);
    if (p.layer === "river") return Object.assign({}, STYLE.river, { opacity: online ? 0 : 0.9 });
    const style = p.layer === "context" ? STYLE.context : STYLE[p.kind] || STYLE.town_block;
    return Object.assign({}, style, online ? { fillOpacity: 0 } : {});
  }

  B.loadBaseMap = async function () {
    const { data } = await B.getJSON("/map/base.geojson");
    B.baseFeatures = data.features;
    baseLayer = L.geoJSON(data, { pane: "base", interactive: false, style: styleFor }).addTo(B.map);
    drawLabels(data.features);
    B.on("language", () => drawLabels(B.baseFeatures));
  };

  /* An area's name for the chosen language: with its reading in やさしい日本語 (as ｜漢字《かな》 markup when
     marked=true), the English name first in English and Korean where the data has one. */
  B.placeName = function (area, marked) {
    if (!area) return "";
    if (typeof area === "string") return area;
    const name = area.name || area.town_name || "";
    if (B.lang === "ja-easy" && area.name_kana) return marked ? `｜${name}《${area.name_kana}》` : name;
    if ((B.lang === "en" || B.lang === "ko") && area.name_en) return `${area.name_en} / ${name}`;
    return name;
  };

  /* The ward (or town block) containing a point, from the base map (for plain words offline). */
  B.areaAt = function (lat, lon) {
    let found = null;
    for (const f of B.baseFeatures || []) {
      if (f.properties.layer !== "area" || !f.geometry) continue;
      if (B.pointInGeometry(lon, lat, f.geometry) && (!found || f.properties.kind === "town_block")) found = f.properties;
    }
    return found;
  };

  B.pointInGeometry = function (x, y, geometry) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.some((rings) => rings.reduce((inside, ring, index) => (ringContains(ring, x, y) ? !inside : inside), false));
  };

  function ringContains(ring, x, y) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  /* Switch the background: "simple" (hub base, offline) or an online tile set from the configuration. */
  B.setBaseTiles = function (id) {
    if (onlineLayer) {
      onlineLayer.remove();
      onlineLayer = null;
    }
    const source = (B.cfg.base_tiles || []).find((s) => s.id === id);
    B.$("tiles-error").hidden = true;
    if (source) {
      onlineLayer = L.tileLayer(source.url, {
        attribution: source.attribution,
        maxNativeZoom: source.max_native_zoom,
        maxZoom: MAX_ZOOM,
        crossOrigin: true,
      });
      let failures = 0;
      onlineLayer.on("tileerror", () => {
        failures += 1;
        if (failures === 3) B.$("tiles-error").hidden = false;
      });
      onlineLayer.addTo(B.map);
    }
    if (baseLayer) baseLayer.setStyle(styleFor);
    B.store.set("basemap", source ? id : "simple");
  };
})();
