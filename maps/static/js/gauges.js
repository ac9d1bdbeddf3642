/* River gauges: level, trend and 警戒レベル相当 (colour + number + words), a small hydrograph on click. */
(function () {
  "use strict";
  const B = window.Bosai;
  const N_ = B.N_;
  const MIN_ZOOM = 11;
  const VIEW_PADDING = 0.3;
  const HYDROGRAPH_HOURS = 24;
  const SVG_W = 300;
  const SVG_H = 150;
  const PAD = { left: 42, right: 8, top: 10, bottom: 24 };
  B.BANDS = {
    normal: N_("Normal"),
    standby: N_("Standby level (for flood fighters)"),
    caution: N_("Flood caution level (like alert level 2)"),
    evacuation: N_("Evacuation judgement level (like alert level 3)"),
    danger: N_("Flood danger level (like alert level 4)"),
    flooding: N_("Flooding (like alert level 5)"),
  };
  const TRENDS = { rising: ["↑", N_("Rising")], falling: ["↓", N_("Falling")], steady: ["→", N_("Steady")] };
  const THRESHOLD_LINES = [
    ["caution", 2],
    ["evacuation", 3],
    ["danger", 4],
    ["flooding", 5],
  ];
  const stations = new Map();
  let layer = null;
  let fetchedBounds = null;

  /* A gauge of /api/stations: latest reading, band (警戒レベル相当), trend, stale flag and thresholds. */
  function normalise(f) {
    const p = Object.assign({}, f.properties || f);
    const latest = p.latest || {};
    p.level = latest.water_level_m ?? p.water_level_m ?? null;
    p.observed = latest.observed_at || p.observed_at || null;
    p.level_band = p.band || "normal";
    if (p.alert_level === undefined || p.alert_level === null) p.alert_level = B.cfg.station_alert_levels[p.level_band] ?? null;
    p.thresholds = p.thresholds || {};
    const coords = f.geometry ? f.geometry.coordinates : [p.lon, p.lat];
    return { props: p, lat: coords[1], lon: coords[0], marker: null };
  }

  /* What a gauge says, one short sentence each: level, band, trend, staleness, time. */
  function gaugeParts(p) {
    const parts = [];
    if (p.level !== null && p.level !== undefined) parts.push(B.tr("Water level {m} m", { m: B.formatNumber(p.level, 2) }));
    parts.push(B.tr(B.BANDS[p.level_band] || B.BANDS.normal));
    if (p.trend && TRENDS[p.trend]) parts.push(B.tr(TRENDS[p.trend][1]));
    if (p.stale) parts.push(B.tr("No new data from this gauge."));
    if (p.observed) parts.push(B.tr("Measured {time}", { time: B.formatTime(B.parseTime(p.observed)) }));
    return parts;
  }

  B.gaugeWords = function (p) {
    return B.sentences([p.name + (p.river ? ` (${p.river})` : ""), ...gaugeParts(p)]);
  };

  function icon(p) {
    const lv = p.alert_level;
    const trend = p.trend && TRENDS[p.trend] ? TRENDS[p.trend][0] : "";
    const text = p.stale ? "?" : lv ? `Lv${lv}` : "〰";
    return L.divIcon({
      className: `gauge gauge--lv${lv || 0}${p.stale ? " gauge--stale" : ""}`,
      html: `<span class="gauge__lv" aria-hidden="true">${text}</span>${trend ? `<span class="gauge__trend" aria-hidden="true">${trend}</span>` : ""}`,
      iconSize: null,
    });
  }

  /* The popup as DOM nodes; the graph is markup drawn from numbers and catalogue text only (hydrographSvg). */
  function popupNode(s) {
    const p = s.props;
    const graph = B.el("div", { class: "hydrograph", "data-code": p.code });
    if (s.graph) graph.innerHTML = s.graph;
    else if (B.api("station_readings")) graph.append(...B.richNodes(B.tr("Loading…")));
    return B.el("div", { class: "popup popup--gauge" }, [B.el("h3", { text: p.name }), ...gaugeParts(p).map((line) => B.el("p", { rich: line })), graph]);
  }

  function y(level, min, max) {
    return PAD.top + (SVG_H - PAD.top - PAD.bottom) * (1 - (level - min) / (max - min || 1));
  }

  B.hydrographSvg = function (p, readings) {
    const points = readings.filter((r) => r.water_level_m !== null && r.water_level_m !== undefined).map((r) => [B.parseTime(r.observed_at).getTime(), r.water_level_m]);
    if (points.length < 2) return `<p>${B.th("Not enough readings for a graph.")}</p>`;
    const thresholds = THRESHOLD_LINES.filter(([band]) => typeof p.thresholds[band] === "number").map(([band, lv]) => [p.thresholds[band], lv]);
    const levels = points.map((pt) => pt[1]).concat(thresholds.map((t) => t[0]));
    const min = Math.min(...levels) - 0.1;
    const max = Math.max(...levels) + 0.1;
    const t0 = points[0][0];
    const t1 = points[points.length - 1][0];
    const x = (t) => PAD.left + (SVG_W - PAD.left - PAD.right) * ((t - t0) / (t1 - t0 || 1));
    const line = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v, min, max).toFixed(1)}`).join(" ");
    const lines = thresholds
      .map(([v, lv]) => `<line x1="${PAD.left}" x2="${SVG_W - PAD.right}" y1="${y(v, min, max)}" y2="${y(v, min, max)}" stroke="${B.cfg.level_colours[lv]}" stroke-width="2" stroke-dasharray="${lv * 2} 3"/><text x="${SVG_W - PAD.right}" y="${y(v, min, max) - 3}" text-anchor="end" class="hg__label">Lv${lv} ${B.formatNumber(v, 2)}m</text>`)
      .join("");
    const peak = points.reduce((a, b) => (b[1] > a[1] ? b : a));
    const summary = B.t("Highest in the last {hours} hours: {m} m at {time}.", { hours: HYDROGRAPH_HOURS, m: B.formatNumber(peak[1], 2), time: B.formatTime(new Date(peak[0])) });
    return `<svg class="hg" viewBox="0 0 ${SVG_W} ${SVG_H}" role="img" aria-label="${B.escape(summary)}"><rect x="${PAD.left}" y="${PAD.top}" width="${SVG_W - PAD.left - PAD.right}" height="${SVG_H - PAD.top - PAD.bottom}" fill="#fff" stroke="#888"/>${lines}<polyline points="${line}" fill="none" stroke="#0b3a66" stroke-width="2.5"/><text x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end" class="hg__label">${B.formatNumber(max, 1)}</text><text x="${PAD.left - 4}" y="${SVG_H - PAD.bottom}" text-anchor="end" class="hg__label">${B.formatNumber(min, 1)}</text><text x="${PAD.left}" y="${SVG_H - 6}" class="hg__label">${B.escape(B.formatTime(new Date(t0)))}</text><text x="${SVG_W - PAD.right}" y="${SVG_H - 6}" text-anchor="end" class="hg__label">${B.escape(B.formatTime(new Date(t1)))}</text></svg><p class="small">${B.escape(summary)}</p>`;
  };

  async function loadHydrograph(s, popup) {
    const template = B.api("station_readings");
    if (!template) return;
    const from = new Date(Date.now() - HYDROGRAPH_HOURS * 3600 * 1000).toISOString();
    const url = template.replace(/\{[^}]*\}/, encodeURIComponent(s.props.code)) + `?from=${encodeURIComponent(from)}`;
    try {
      const { data } = await B.getJSON(url);
      s.graph = B.hydrographSvg(s.props, data.readings || []);
    } catch (error) {
      s.graph = B.th("The graph could not be loaded.");
    }
    if (popup.isOpen()) popup.setContent(popupNode(s));
  }

  function place(s) {
    if (s.marker) s.marker.remove();
    s.marker = L.marker([s.lat, s.lon], { icon: icon(s.props), keyboard: true, zIndexOffset: (s.props.alert_level || 0) * 100 });
    s.marker.bindPopup(() => popupNode(s), { maxWidth: 340, minWidth: 300 });
    s.marker.on("popupopen", (event) => {
      s.graph = null;
      event.popup.setContent(popupNode(s));
      loadHydrograph(s, event.popup);
    });
    s.marker.on("add", () => {
      s.marker.getElement().setAttribute("aria-label", B.plain(B.gaugeWords(s.props)));
      s.marker.getElement().classList.add("gauge-marker");
    });
    layer.addLayer(s.marker);
  }

  async function refresh(force) {
    const url = B.api("stations");
    const map = B.map;
    if (!url || !B.$("layer-gauges").checked) return;
    if (map.getZoom() < MIN_ZOOM) {
      layer.clearLayers();
      fetchedBounds = null;
      return;
    }
    if (!force && fetchedBounds && fetchedBounds.contains(map.getBounds())) return;
    const padded = map.getBounds().pad(VIEW_PADDING);
    const bbox = [padded.getWest(), padded.getSouth(), padded.getEast(), padded.getNorth()].map((v) => v.toFixed(5)).join(",");
    const { data } = await B.getJSON(`${url}?bbox=${bbox}`);
    fetchedBounds = padded;
    layer.clearLayers();
    stations.clear();
    for (const f of data.features || data.items || []) {
      const s = normalise(f);
      if (!Number.isFinite(s.lat) || s.props.kind === "rain") continue;
      stations.set(String(s.props.code), s);
      place(s);
    }
    B.emit("gauges", stations);
  }

  B.gauges = stations;

  /* A station changed (live event): read the gauges of the view again. */
  B.refreshGauges = B.debounce(() => refresh(true).catch(B.report), 500);

  B.initGauges = function () {
    if (!B.api("stations")) return Promise.resolve();
    B.$("group-gauges").hidden = false;
    layer = L.layerGroup().addTo(B.map);
    const bandOfLevel = { 2: "caution", 3: "evacuation", 4: "danger", 5: "flooding" };
    const render = () => {
      const items = [2, 3, 4, 5]
        .map((lv) => `<li><span class="gauge gauge--legend gauge--lv${lv}" aria-hidden="true"><span class="gauge__lv">Lv${lv}</span></span>${B.th(B.BANDS[bandOfLevel[lv]])}</li>`)
        .join("");
      B.$("legend-gauges").innerHTML = `<ul class="legend__list">${items}<li><span class="gauge gauge--legend gauge--lv0" aria-hidden="true"><span class="gauge__lv">〰</span></span>${B.th(B.BANDS.normal)}</li><li><span class="gauge gauge--legend gauge--lv0 gauge--stale" aria-hidden="true"><span class="gauge__lv">?</span></span>${B.th("No new data from this gauge.")}</li></ul>`;
    };
    render();
    B.on("language", () => {
      render();
      for (const s of stations.values()) place(s);
    });
    B.$("layer-gauges").addEventListener("change", () => {
      if (B.$("layer-gauges").checked) {
        layer.addTo(B.map);
        refresh(false).catch(B.report);
      } else layer.remove();
    });
    B.map.on("moveend", B.debounce(() => refresh(false).catch(B.report), 300));
    return refresh(false);
  };
})();
