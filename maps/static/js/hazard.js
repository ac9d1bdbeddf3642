/* Hazard zones imported into the hub (depth ranks in the national colours, with patterns) and GSI raster overlays. */
(function () {
  "use strict";
  const B = window.Bosai;
  const N_ = B.N_;
  /* Hazard zones are fetched for the view grown by this fraction, and again only when the view leaves it. */
  const VIEW_PADDING = 0.25;
  /* Zoom bands of the hub's simplified geometries (hub.models.geo.HAZARD_ZOOM_BANDS). */
  const ZOOM_BANDS = [11, 14];
  B.DEPTH_LABELS = {
    1: N_("Less than 0.5 m"),
    2: N_("0.5 m to 3 m"),
    3: N_("3 m to 5 m"),
    4: N_("5 m to 10 m"),
    5: N_("10 m to 20 m"),
    6: N_("20 m or more"),
  };
  B.DEPTH_WORDS = {
    1: N_("Water up to an adult's knees."),
    2: N_("The ground floor can be under water."),
    3: N_("The second floor can be under water."),
    4: N_("Water can reach the third floor or higher."),
    5: N_("Water can reach the fourth to sixth floor."),
    6: N_("Water can be higher than the sixth floor."),
  };
  const SPECIAL = {
    landslide: { fill: "url(#hz-landslide)", colour: "#FFE600", label: N_("Landslide warning zone") },
    landslide_special: { fill: "url(#hz-landslide_special)", colour: "#E6001E", label: N_("Landslide special warning zone") },
  };
  const OTHER_STYLE = { house_collapse: "#FF6E6E", flood_duration: "#4169E1" };
  let layer = null;
  let renderer = null;
  let fetched = null; // {bounds, band, kind}
  let requestSerial = 0;
  const official = {};

  function band(zoom) {
    const index = ZOOM_BANDS.findIndex((top) => zoom <= top);
    return index === -1 ? ZOOM_BANDS.length : index;
  }

  function style(feature) {
    const p = feature.properties;
    const special = SPECIAL[p.kind];
    if (special) return { renderer, fillColor: special.fill, fillOpacity: 0.55, color: special.colour, weight: 1 };
    if (p.depth_rank) return { renderer, fillColor: `url(#hz-${p.depth_rank})`, fillOpacity: 0.72, color: B.cfg.depth_colours[p.depth_rank], weight: 0.5 };
    return { renderer, fillColor: OTHER_STYLE[p.kind] || "#888", fillOpacity: 0.45, color: OTHER_STYLE[p.kind] || "#888", weight: 1 };
  }

  B.zoneDescription = function (p) {
    const kindLabel = B.tr(B.cfg.zone_kinds[p.kind] || (SPECIAL[p.kind] && SPECIAL[p.kind].label) || p.kind);
    const parts = [kindLabel];
    if (p.depth_rank) parts.push(B.sentences([`${B.tr("Depth")}: ${B.tr(B.DEPTH_LABELS[p.depth_rank])}`, B.tr(B.DEPTH_WORDS[p.depth_rank])]));
    else if (SPECIAL[p.kind]) parts.push(B.tr(SPECIAL[p.kind].label));
    return parts;
  };

  function popup(feature) {
    const p = feature.properties;
    const [kindLabel, ...rest] = B.zoneDescription(p);
    const small = (label, value) => B.el("p", { class: "small" }, [...B.richNodes(label), ": ", value]);
    const rows = rest.map((line) => B.el("p", { rich: line }));
    if (p.scenario) rows.push(small(B.tr("Scenario"), p.scenario));
    if (p.river_name) rows.push(small(B.tr("River"), p.river_name));
    if (p.source) rows.push(small(B.tr("Source"), p.source));
    return B.el("div", { class: "popup" }, [B.el("h3", { rich: kindLabel }), ...rows]);
  }

  function kindsToFetch(kind) {
    return kind === "landslide" ? ["landslide", "landslide_special"] : [kind];
  }

  async function refresh() {
    const url = B.api("hazard_zones");
    const map = B.map;
    if (!url || !B.$("layer-hazard").checked) return;
    const kind = B.$("hazard-kind").value;
    const zoomBand = band(map.getZoom());
    const view = map.getBounds();
    if (fetched && fetched.kind === kind && fetched.band === zoomBand && fetched.bounds.contains(view)) return;
    const padded = view.pad(VIEW_PADDING);
    const serial = ++requestSerial;
    const bbox = [padded.getWest(), padded.getSouth(), padded.getEast(), padded.getNorth()].map((v) => v.toFixed(5)).join(",");
    const features = [];
    for (const k of kindsToFetch(kind)) {
      const params = new URLSearchParams({ bbox, zoom: String(map.getZoom()), kind: k });
      const { data } = await B.getJSON(`${url}?${params}`);
      features.push(...(data.features || []));
    }
    if (serial !== requestSerial) return;
    fetched = { bounds: padded, band: zoomBand, kind };
    draw(features);
  }

  function draw(features) {
    if (layer) layer.remove();
    renderer = renderer || L.svg({ pane: "hazard" });
    layer = L.geoJSON({ type: "FeatureCollection", features }, { pane: "hazard", style, onEachFeature: (f, l) => l.bindPopup(() => popup(f)) });
    if (B.$("layer-hazard").checked) layer.addTo(B.map);
    B.hazardFeatureCount = features.length;
    B.$("hazard-empty").hidden = features.length > 0;
    B.emit("hazard-drawn", features.length);
  }

  function legend() {
    const box = B.$("legend-hazard");
    const kind = B.$("hazard-kind").value;
    const items = [];
    if (kind === "landslide") {
      for (const special of Object.values(SPECIAL)) items.push([special.fill, B.th(special.label), ""]);
    } else if (OTHER_STYLE[kind]) {
      items.push([OTHER_STYLE[kind], B.th(B.cfg.zone_kinds[kind]), ""]);
    } else {
      for (let rank = 1; rank <= 6; rank++) items.push([`url(#hz-${rank})`, B.th(B.DEPTH_LABELS[rank]), B.th(B.DEPTH_WORDS[rank])]);
    }
    box.innerHTML = `<ul class="legend__list">${items
      .map(([fill, label, words]) => `<li><svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><rect width="24" height="16" fill="${fill}" stroke="#555"/></svg><span><strong>${label}</strong>${words ? ` <span class="legend__words">${words}</span>` : ""}</span></li>`)
      .join("")}</ul>`;
  }

  function officialName(source) {
    return B.lang === "ja" || B.lang === "ja-easy" ? source.name : source.name_en;
  }

  function buildOfficial() {
    const box = B.$("official-layers");
    box.innerHTML = "";
    for (const source of B.cfg.official_tiles || []) {
      const input = B.el("input", { type: "checkbox", value: source.id });
      input.checked = Boolean(official[source.id]);
      input.addEventListener("change", () => toggleOfficial(source, input.checked));
      const swatches = source.legend
        .map((entry) => `<li><svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><rect width="24" height="16" fill="${entry.colour}" stroke="#555"/></svg>${B.escape(entry.label)}</li>`)
        .join("");
      box.append(
        B.el("div", { class: "official" }, [
          B.el("label", { class: "check" }, [input, " ", officialName(source)]),
          B.el("ul", { class: "legend__list legend__list--compact", html: swatches, hidden: !input.checked }),
        ])
      );
    }
  }

  function toggleOfficial(source, on) {
    if (official[source.id]) {
      official[source.id].remove();
      delete official[source.id];
    }
    if (on) {
      official[source.id] = L.tileLayer(source.url, {
        opacity: source.opacity,
        minZoom: source.min_zoom,
        maxNativeZoom: source.max_native_zoom,
        crossOrigin: true,
        pane: "hazard",
        attribution: `<a href="${B.escape(source.attribution_url)}">${B.escape(source.attribution)}</a>`,
      }).addTo(B.map);
    }
    buildOfficial();
  }

  B.initHazard = function () {
    if (!B.api("hazard_zones")) B.$("group-hazard").hidden = true;
    const check = B.$("layer-hazard");
    const run = () => refresh().catch(B.report);
    check.addEventListener("change", () => {
      if (!check.checked && layer) layer.remove();
      if (check.checked && layer) layer.addTo(B.map);
      run();
    });
    B.$("hazard-kind").addEventListener("change", () => {
      legend();
      run();
    });
    B.map.on("moveend", B.debounce(run, 250));
    B.on("language", () => {
      legend();
      buildOfficial();
    });
    legend();
    buildOfficial();
    return refresh();
  };
})();
