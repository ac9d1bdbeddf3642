// Draft an evacuation order: pick wards / town blocks (list or map) or draw a polygon, level, hazard, targets.
// With an order id (#/orders/{id}/edit) its drafter revises an order that was sent back and resubmits it.

import { areaName, errorNotice, hazardLabel, joinList, loadAreas, panel } from "../common.js";
import { debounce, field, h, replace, select } from "../dom.js";
import { currentLang, t } from "../i18n.js";
import { areaStyle, createMap, drawAreas, fitTo, loadLeaflet } from "../mapview.js";
import { renderTargets } from "./targets.js";

const TARGETS_DEBOUNCE_MS = 400;

export async function render(root, ctx, params = []) {
  const { api, config } = ctx;
  const editId = params[0] ? Number(params[0]) : null;
  let editEtag = null;
  const chosen = new Set();
  let drawing = false;
  let vertices = [];
  let polygon = null;
  let L = null;
  let map = null;
  let areaLayer = null;
  let sketch = null;
  let drawnLayer = null;
  let areas = [];

  const error = h("div", { class: "notice notice-error", role: "alert", hidden: true });
  const picker = h("div", { class: "area-picker", role: "group", "aria-label": t("order_new.areas") });
  const pickerFilter = h("input", { type: "search", placeholder: t("order_new.area_search"), autocomplete: "off" });
  const chosenText = h("p", { class: "hint", "aria-live": "polite" });
  const mapBox = h("div", { class: "map map-tall" });
  const mapNote = h("div");
  const drawButton = h("button", { type: "button", class: "btn", onclick: () => startDrawing() }, t("order_new.draw"));
  const finishButton = h("button", { type: "button", class: "btn btn-primary", hidden: true, onclick: () => finishDrawing() }, t("order_new.draw_finish"));
  const clearButton = h("button", { type: "button", class: "btn", hidden: true, onclick: () => clearDrawing() }, t("order_new.draw_clear"));
  const drawHint = h("p", { class: "hint", "aria-live": "polite" });
  const levelRadios = h(
    "div",
    { class: "radio-row" },
    Object.entries(config.order_levels).map(([level, names]) =>
      h("label", { class: "radio-card" }, h("input", { type: "radio", name: "level", value: level, required: true }), h("span", { class: `level level-${level}` }, t("level.short", { n: level })), ` ${currentLang() === "en" ? names.en : names.ja}`),
    ),
  );
  const hazard = select([["", t("order_new.choose_hazard")], ...config.hazards.map((x) => [x, hazardLabel(x)])], "", { name: "hazard", required: true });
  const reason = h("textarea", { name: "reason", maxlength: 2000, rows: 3 });
  const targets = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-big btn-wide" }, t(editId ? "order_edit.submit" : "order_new.submit"));
  const review = h("div", { class: "review-comment" });
  const title = editId ? t("order_edit.title", { id: editId }) : t("orders.new");

  const form = h(
    "form",
    { class: "order-form", novalidate: true },
    review,
    error,
    h("fieldset", {}, h("legend", {}, t("order_new.level")), levelRadios),
    field(t("order_new.hazard"), hazard),
    h("fieldset", {}, h("legend", {}, t("order_new.areas")), field(t("order_new.area_search_label"), pickerFilter), picker, chosenText),
    field(t("order_new.reason"), reason, t("order_new.reason_hint")),
    panel(t("order_new.targets"), targets),
    submit,
  );

  replace(
    root,
    h("p", { class: "back" }, h("a", { href: editId ? `#/orders/${editId}` : "#/orders" }, `← ${editId ? t("order.title", { id: editId }) : t("nav.orders")}`)),
    h("div", { class: "view-head" }, h("h1", {}, title)),
    h(
      "div",
      { class: "two-col wide-left" },
      h("section", { class: "panel order-map", "aria-label": t("order_new.map") }, h("h2", {}, t("order_new.map")), h("div", { class: "map-tools" }, drawButton, finishButton, clearButton), drawHint, mapNote, mapBox),
      h("section", { class: "panel order-form-panel", "aria-label": title }, form),
    ),
  );

  function drawPicker() {
    const q = pickerFilter.value.trim().toLowerCase();
    const shown = areas.filter((a) => !q || [a.name, a.name_en, a.name_kana, a.code].some((v) => v && String(v).toLowerCase().includes(q)));
    replace(
      picker,
      shown.length
        ? shown.map((a) => {
            const box = h("input", { type: "checkbox", value: a.code });
            box.checked = chosen.has(a.code);
            box.addEventListener("change", () => toggle(a.code, box.checked));
            return h("label", { class: "check" }, box, `${areaName(a)} `, h("span", { class: "hint" }, `${t(`area.kind.${a.kind}`)} ${a.code}`));
          })
        : h("p", { class: "hint" }, t("order_new.no_areas")),
    );
    const names = areas.filter((a) => chosen.has(a.code)).map(areaName);
    chosenText.textContent = names.length ? t("order_new.chosen", { list: joinList(names) }) : t("order_new.chosen_none");
  }

  function toggle(code, on) {
    if (on) chosen.add(code);
    else chosen.delete(code);
    drawPicker();
    if (areaLayer) areaLayer.setStyle((f) => areaStyle(f, chosen));
    updateTargets();
  }

  function startDrawing() {
    if (!map) return;
    drawing = true;
    vertices = [];
    drawHint.textContent = t("order_new.draw_hint");
    finishButton.hidden = false;
    clearButton.hidden = false;
    drawButton.hidden = true;
    mapBox.style.cursor = "crosshair";
  }

  function finishDrawing() {
    if (vertices.length < 3) {
      drawHint.textContent = t("order_new.draw_need3");
      return;
    }
    drawing = false;
    const ring = vertices.map(([lat, lon]) => [Number(lon.toFixed(6)), Number(lat.toFixed(6))]);
    ring.push(ring[0]);
    polygon = { type: "Polygon", coordinates: [ring] };
    if (sketch) sketch.remove();
    sketch = null;
    if (drawnLayer) drawnLayer.remove();
    drawnLayer = L.geoJSON(polygon, { style: { color: "#6a1b9a", weight: 3, dashArray: "6 4", fillOpacity: 0.25 } }).addTo(map);
    drawHint.textContent = t("order_new.draw_done", { n: vertices.length });
    finishButton.hidden = true;
    drawButton.hidden = false;
    drawButton.textContent = t("order_new.draw_again");
    mapBox.style.cursor = "";
    updateTargets();
  }

  function clearDrawing() {
    drawing = false;
    vertices = [];
    polygon = null;
    for (const layer of [sketch, drawnLayer]) if (layer) layer.remove();
    sketch = drawnLayer = null;
    drawHint.textContent = "";
    finishButton.hidden = true;
    clearButton.hidden = true;
    drawButton.hidden = false;
    drawButton.textContent = t("order_new.draw");
    mapBox.style.cursor = "";
    updateTargets();
  }

  // A returned order's fields, and the comment it came back with, in the form.
  function prefill(order) {
    const radio = levelRadios.querySelector(`input[value="${order.level}"]`);
    if (radio) radio.checked = true;
    hazard.value = order.hazard;
    for (const code of order.area_codes || []) chosen.add(code);
    reason.value = order.reason || "";
    if (order.geometry) {
      polygon = order.geometry;
      clearButton.hidden = false;
      drawButton.textContent = t("order_new.draw_again");
      drawHint.textContent = t("order_new.draw_kept");
    }
    if (order.return_comment) {
      replace(
        review,
        h("section", { class: "notice notice-warning", "data-return-comment": "", "aria-label": t("order.returned_title") }, h("p", {}, h("strong", {}, t("order.returned_from", { user: order.returned_by || "—" }))), h("blockquote", { class: "comment" }, order.return_comment)),
      );
    }
  }

  function currentHazard() {
    return hazard.value || null;
  }

  const updateTargets = debounce(async () => {
    if (!chosen.size && !polygon) {
      replace(targets, h("p", { class: "hint" }, t("order_new.targets_hint")));
      return;
    }
    await renderTargets(targets, ctx, { areaCodes: [...chosen], geometry: polygon, hazard: currentHazard() });
  }, TARGETS_DEBOUNCE_MS);

  async function setupMap() {
    L = await loadLeaflet(api.has("map_static"));
    if (!L) {
      mapBox.hidden = true;
      drawButton.hidden = true;
      replace(mapNote, ctx.unavailable(t("order_new.map_unavailable")));
      return;
    }
    map = createMap(mapBox, L, { label: t("order_new.map") });
    map.on("click", (e) => {
      if (!drawing) return;
      vertices.push([e.latlng.lat, e.latlng.lng]);
      if (sketch) sketch.remove();
      sketch = L.polygon(vertices, { color: "#6a1b9a", weight: 2, dashArray: "4 4" }).addTo(map);
      drawHint.textContent = t("order_new.draw_progress", { n: vertices.length });
    });
  }

  hazard.addEventListener("change", updateTargets);
  pickerFilter.addEventListener("input", debounce(drawPicker, 120));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const level = form.querySelector('input[name="level"]:checked');
    const problems = [];
    if (!level) problems.push(t("order_new.need_level"));
    if (!hazard.value) problems.push(t("order_new.need_hazard"));
    if (!chosen.size && !polygon) problems.push(t("order_new.need_area"));
    if (problems.length) {
      error.textContent = problems.join(" ");
      error.hidden = false;
      error.scrollIntoView({ block: "nearest" });
      (level ? hazard : levelRadios.querySelector("input")).focus();
      return;
    }
    submit.disabled = true;
    try {
      const body = { level: Number(level.value), hazard: hazard.value, area_codes: [...chosen], geometry: polygon, reason: reason.value.trim() || null };
      const res = editId
        ? await api.request("POST", api.path("order_resubmit", editId), { json: body, ifMatch: editEtag })
        : await api.request("POST", api.path("order_draft"), { json: body });
      ctx.notify(t(editId ? "order_edit.saved" : "order_new.saved", { id: res.data.id }), "success");
      ctx.navigate(`/orders/${res.data.id}`);
    } catch (err) {
      replace(error, ctx.problemText(err));
      error.hidden = false;
      submit.disabled = false;
    }
  });

  if (!api.has(editId ? "order_resubmit" : "order_draft")) {
    replace(root, h("h1", {}, title), ctx.unavailable(t("orders.unavailable")));
    return null;
  }
  let original = null;
  if (editId) {
    try {
      const res = await api.request("GET", api.path("order", editId));
      original = res.data;
      editEtag = res.etag;
    } catch (err) {
      replace(root, h("h1", {}, title), errorNotice(ctx, err));
      return null;
    }
    const refusal = original.status !== "returned" ? "order_edit.not_returned" : original.drafted_by !== ctx.me.actor ? "order_edit.not_drafter" : null;
    if (refusal) {
      replace(root, h("p", { class: "back" }, h("a", { href: `#/orders/${editId}` }, `← ${t("order.title", { id: editId })}`)), h("h1", {}, title), h("p", { class: "notice notice-warning", role: "note" }, t(refusal)));
      return null;
    }
    prefill(original);
  }
  replace(targets, h("p", { class: "hint" }, t("order_new.targets_hint")));
  await setupMap();
  try {
    const data = await loadAreas(api);
    areas = data.areas;
    drawPicker();
    if (map) {
      areaLayer = drawAreas(L, map, data.features, { selected: chosen, onClick: (code) => !drawing && toggle(code, !chosen.has(code)) });
      fitTo(map, areaLayer);
      if (polygon) drawnLayer = L.geoJSON(polygon, { style: { color: "#6a1b9a", weight: 3, dashArray: "6 4", fillOpacity: 0.25 } }).addTo(map);
    }
  } catch (err) {
    replace(picker, errorNotice(ctx, err));
  }
  if (!areas.length) replace(picker, ctx.unavailable(t("order_new.areas_unavailable")));
  if (editId) updateTargets();
  return () => map && map.remove();
}
