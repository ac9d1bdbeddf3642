// The order form's map: tap wards and town blocks to pick them, or draw a polygon vertex by vertex.

import { t } from "../../i18n.js";
import { h } from "../../dom.js";
import { mapPanel, openMap } from "../../components/mappanel.js";
import { areaStyle, drawAreas, fitTo } from "../../mapview.js";
import { DRAWN_STYLE } from "../order/map.js";

const SKETCH_STYLE = { color: "#6a1b9a", weight: 2, dashArray: "4 4" };
const COORD_DIGITS = 6;

// selection: { chosen, polygon } of the form; onToggle(code, on) picks an area, onPolygon() after a drawing changed.
export function drawingMap(ctx, selection, { onToggle, onPolygon }) {
  const drawButton = h("button", { type: "button", class: "btn", onclick: () => start() }, t("order_new.draw"));
  const finishButton = h("button", { type: "button", class: "btn btn-primary", hidden: true, onclick: () => finish() }, t("order_new.draw_finish"));
  const clearButton = h("button", { type: "button", class: "btn", hidden: true, onclick: () => clear() }, t("order_new.draw_clear"));
  const hint = h("p", { class: "hint", "aria-live": "polite" });
  const view = mapPanel(t("order_new.map"), { className: "order-map", tall: true, tools: [h("div", { class: "map-tools" }, drawButton, finishButton, clearButton), hint] });
  let L = null;
  let map = null;
  let areaLayer = null;
  let sketch = null;
  let drawnLayer = null;
  let drawing = false;
  let vertices = [];

  function start() {
    if (!map) return;
    drawing = true;
    vertices = [];
    hint.textContent = t("order_new.draw_hint");
    finishButton.hidden = false;
    clearButton.hidden = false;
    drawButton.hidden = true;
    view.box.style.cursor = "crosshair";
  }

  function finish() {
    if (vertices.length < 3) {
      hint.textContent = t("order_new.draw_need3");
      return;
    }
    drawing = false;
    const ring = vertices.map(([lat, lon]) => [Number(lon.toFixed(COORD_DIGITS)), Number(lat.toFixed(COORD_DIGITS))]);
    ring.push(ring[0]);
    selection.polygon = { type: "Polygon", coordinates: [ring] };
    if (sketch) sketch.remove();
    sketch = null;
    if (drawnLayer) drawnLayer.remove();
    drawnLayer = L.geoJSON(selection.polygon, { style: DRAWN_STYLE }).addTo(map);
    hint.textContent = t("order_new.draw_done", { n: vertices.length });
    finishButton.hidden = true;
    drawButton.hidden = false;
    drawButton.textContent = t("order_new.draw_again");
    view.box.style.cursor = "";
    onPolygon();
  }

  function clear() {
    drawing = false;
    vertices = [];
    selection.polygon = null;
    for (const layer of [sketch, drawnLayer]) if (layer) layer.remove();
    sketch = drawnLayer = null;
    hint.textContent = "";
    finishButton.hidden = true;
    clearButton.hidden = true;
    drawButton.hidden = false;
    drawButton.textContent = t("order_new.draw");
    view.box.style.cursor = "";
    onPolygon();
  }

  function addVertex(e) {
    if (!drawing) return;
    vertices.push([e.latlng.lat, e.latlng.lng]);
    if (sketch) sketch.remove();
    sketch = L.polygon(vertices, SKETCH_STYLE).addTo(map);
    hint.textContent = t("order_new.draw_progress", { n: vertices.length });
  }

  async function setup() {
    const opened = await openMap(ctx, view, { label: t("order_new.map"), unavailable: t("order_new.map_unavailable") });
    if (!opened) {
      drawButton.hidden = true;
      return;
    }
    ({ L, map } = opened);
    map.on("click", addVertex);
  }

  // The areas to pick from, and the polygon an order being revised already has.
  function showAreas(features) {
    if (!map) return;
    areaLayer = drawAreas(L, map, features, { selected: selection.chosen, onClick: (code) => !drawing && onToggle(code, !selection.chosen.has(code)) });
    fitTo(map, areaLayer);
    if (selection.polygon) drawnLayer = L.geoJSON(selection.polygon, { style: DRAWN_STYLE }).addTo(map);
  }

  return {
    el: view.el,
    setup,
    showAreas,
    restyle: () => areaLayer && areaLayer.setStyle((f) => areaStyle(f, selection.chosen)),
    // A revised order keeps its polygon until it is cleared or drawn again.
    keepDrawn() {
      clearButton.hidden = false;
      drawButton.textContent = t("order_new.draw_again");
      hint.textContent = t("order_new.draw_kept");
    },
    remove: () => map && map.remove(),
  };
}
