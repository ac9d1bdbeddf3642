// Shelters: list or map, filtered by status and area; one tap opens a shelter.

import { crowdingBadge, crowdingOf, errorNotice, loadAreas, areaName, shelterName, statusChip, empty } from "../common.js";
import { debounce, field, formatNumber, h, replace, select } from "../dom.js";
import { currentLang, t } from "../i18n.js";
import { STATUS_COLOURS, createMap, drawAreas, fitTo, loadLeaflet } from "../mapview.js";

const PAGE = 60;
const FILTER_KEY = "bosai.console.shelterFilter";

function savedFilter() {
  try {
    return JSON.parse(sessionStorage.getItem(FILTER_KEY)) || {};
  } catch {
    return {};
  }
}

export async function render(root, ctx) {
  const { api, config } = ctx;
  const filter = { status: "", area: "", q: "", mine: false, view: "list", ...savedFilter() };
  const isOperator = !ctx.can("shelter.update_any") && ctx.can("shelter.update_assigned");
  if (isOperator && savedFilter().mine === undefined) filter.mine = true;
  let shelters = [];
  let shown = PAGE;
  let map = null;
  let markers = null;
  let L = null;

  const statusSelect = select([["", t("common.all")], ...config.shelter_statuses.map((s) => [s, t(`shelter.status.${s}`)])], filter.status, { name: "status" });
  const areaSelect = select([["", t("common.all")]], filter.area, { name: "area" });
  const search = h("input", { type: "search", name: "q", value: filter.q, placeholder: t("shelters.search_placeholder"), autocomplete: "off" });
  const mine = h("input", { type: "checkbox", name: "mine" });
  mine.checked = filter.mine;
  const count = h("p", { class: "count", role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "shelter-list" });
  const more = h("button", { type: "button", class: "btn btn-wide", hidden: true, onclick: () => { shown += PAGE; draw(); } }, t("common.more"));
  const mapBox = h("div", { class: "map map-tall", hidden: true });
  const mapNote = h("div", { hidden: true });
  const viewButtons = ["list", "map"].map((mode) =>
    h("button", { type: "button", class: "seg", "aria-pressed": String(filter.view === mode), onclick: () => setView(mode) }, t(`shelters.view_${mode}`)),
  );

  replace(
    root,
    h("div", { class: "view-head" }, h("h1", {}, t("nav.shelters")), h("div", { class: "segmented", role: "group", "aria-label": t("shelters.view") }, viewButtons)),
    h(
      "form",
      { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
      field(t("shelters.filter_status"), statusSelect),
      field(t("shelters.filter_area"), areaSelect),
      field(t("shelters.search"), search),
      ctx.me.shelter_ids.length ? h("label", { class: "check" }, mine, t("shelters.only_mine")) : null,
    ),
    count,
    h("div", { class: "shelters-layout" }, h("div", {}, list, more), h("div", {}, mapNote, mapBox)),
  );

  function persist() {
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(filter));
  }

  function visible() {
    const q = filter.q.trim().toLowerCase();
    return shelters.filter((f) => {
      const p = f.properties;
      if (filter.mine && !ctx.me.shelter_ids.includes(p.id)) return false;
      if (!q) return true;
      return [p.name, p.name_en, p.address, p.name_kana].some((v) => v && String(v).toLowerCase().includes(q));
    });
  }

  function row(feature) {
    const p = feature.properties;
    const crowd = p.status === "closed" || p.status === "closed_again" ? null : crowdingOf(config, p.occupancy, p.capacity, p.status);
    return h(
      "li",
      { class: "shelter-row", dataset: { id: p.id } },
      h(
        "a",
        { href: `#/shelters/${p.id}`, class: "shelter-link" },
        h("span", { class: "shelter-main" }, h("span", { class: "shelter-name" }, shelterName(p)), h("span", { class: "shelter-address" }, p.address || "")),
        h(
          "span",
          { class: "shelter-meta" },
          statusChip(p.status),
          p.status === "closed" || p.status === "closed_again" ? null : h("span", { class: "occ" }, p.capacity ? t("shelters.occupancy_of", { n: formatNumber(p.occupancy, currentLang()), cap: formatNumber(p.capacity, currentLang()) }) : t("shelters.occupancy_n", { n: formatNumber(p.occupancy, currentLang()) })),
          crowd ? crowdingBadge(crowd) : null,
        ),
      ),
    );
  }

  function draw() {
    const rows = visible();
    count.textContent = t("shelters.count", { n: rows.length });
    if (showsList()) {
      replace(list, rows.length ? rows.slice(0, shown).map(row) : empty(t("shelters.none")));
      more.hidden = rows.length <= shown;
    }
    drawMarkers(rows);
  }

  function drawMarkers(rows) {
    if (!map || !markers) return;
    markers.clearLayers();
    // Closed shelters underneath, open / full / opening ones drawn last so they stay visible.
    const closed = (f) => f.properties.status === "closed" || f.properties.status === "closed_again";
    for (const f of [...rows.filter(closed), ...rows.filter((x) => !closed(x))]) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      const marker = L.circleMarker([lat, lon], { radius: closed(f) ? 4 : 9, color: closed(f) ? "#fff" : "#1a1c1e", weight: closed(f) ? 1 : 2, fillColor: STATUS_COLOURS[p.status] || "#607d8b", fillOpacity: 0.95 });
      marker.bindPopup(() => h("div", {}, h("strong", {}, shelterName(p)), h("br"), t(`shelter.status.${p.status}`), " · ", h("a", { href: `#/shelters/${p.id}` }, t("shelters.open_detail"))));
      markers.addLayer(marker);
    }
  }

  // Wide screens show the list and the map side by side; phones switch between them.
  const wide = window.matchMedia("(min-width: 1200px)");
  const showsList = () => wide.matches || filter.view === "list";
  const showsMap = () => wide.matches || filter.view === "map";

  async function setView(mode) {
    filter.view = mode;
    persist();
    viewButtons.forEach((b, i) => b.setAttribute("aria-pressed", String(["list", "map"][i] === mode)));
    viewButtons[0].parentElement.hidden = wide.matches;
    list.hidden = !showsList();
    more.hidden = !showsList();
    mapBox.hidden = !showsMap();
    mapNote.hidden = true;
    if (showsMap() && !map) {
      L = await loadLeaflet(api.has("map_static"));
      if (!L) {
        mapBox.hidden = true;
        replace(mapNote, ctx.unavailable(t("map.unavailable")));
        mapNote.hidden = false;
        return;
      }
      map = createMap(mapBox, L, { label: t("shelters.map_label") });
      loadAreas(api).then(({ features }) => fitTo(map, drawAreas(L, map, features.filter((f) => f.properties.kind === "ward")))).catch(() => {});
      markers = L.layerGroup().addTo(map);
    }
    if (map) setTimeout(() => map.invalidateSize(), 0);
    draw();
  }

  async function load() {
    count.textContent = t("common.loading");
    try {
      const data = await api.get("shelters", [], { query: { status: filter.status, area: filter.area } });
      shelters = data.features || [];
      shown = PAGE;
      draw();
    } catch (err) {
      replace(list, errorNotice(ctx, err));
      count.textContent = "";
    }
  }

  statusSelect.addEventListener("change", () => { filter.status = statusSelect.value; persist(); load(); });
  areaSelect.addEventListener("change", () => { filter.area = areaSelect.value; persist(); load(); });
  search.addEventListener("input", debounce(() => { filter.q = search.value; persist(); shown = PAGE; draw(); }, 150));
  mine.addEventListener("change", () => { filter.mine = mine.checked; persist(); draw(); });

  loadAreas(api)
    .then(({ areas }) => {
      for (const area of areas.filter((a) => a.kind === "ward")) {
        const opt = h("option", { value: area.code }, areaName(area));
        if (area.code === filter.area) opt.selected = true;
        areaSelect.append(opt);
      }
    })
    .catch(() => {});

  if (!api.has("shelters")) {
    replace(list, ctx.unavailable(t("shelters.unavailable")));
    return null;
  }
  await load();
  await setView(filter.view);
  const onResize = () => setView(filter.view);
  wide.addEventListener("change", onResize);

  const off = ctx.live ? ctx.live.on((event) => {
    if (!event.kind.startsWith("shelter.")) return;
    const d = event.data || {};
    const found = shelters.find((f) => f.properties.id === d.id);
    if (!found) return;
    Object.assign(found.properties, { status: d.status, occupancy: d.occupancy, capacity: d.capacity, version: d.version });
    if (filter.status && d.status !== filter.status) shelters = shelters.filter((f) => f !== found);
    draw();
  }) : null;
  return () => {
    if (off) off();
    wide.removeEventListener("change", onResize);
    if (map) map.remove();
  };
}
