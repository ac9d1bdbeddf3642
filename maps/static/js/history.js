/* Past floods (浸水実績) by town block: time filter, clickable records, hatched areas where the hub has shapes. */
(function () {
  "use strict";
  const B = window.Bosai;
  /* Above-floor counts (or count classes) at or over these are drawn with the denser pattern. */
  const STRONG_ABOVE_FLOOR = 50;
  const STRONG_CLASS_ORDINAL = 3;
  let records = [];
  let layer = null;

  function yearsOf(r) {
    const start = B.parseTime(r.event_date || r.period_start);
    const end = B.parseTime(r.event_date || r.period_end || r.period_start);
    return { from: start ? start.getFullYear() : null, to: end ? end.getFullYear() : null };
  }

  function normalise(data) {
    const features = Array.isArray(data) ? data : data.features || data.items || data.records || [];
    return features.map((item, index) => {
      const props = item.properties ? Object.assign({}, item.properties) : Object.assign({}, item);
      props._geometry = item.geometry || props.geometry || null;
      props._key = props.id !== undefined ? String(props.id) : `r${index}`;
      return props;
    });
  }

  B.eventLabel = function (r) {
    const years = yearsOf(r);
    if (r.event_date) return B.tr("Flood of {date}", { date: B.formatDate(r.event_date) });
    if (years.from && years.to && years.from !== years.to) return B.tr("All floods {from}–{to}", { from: years.from, to: years.to });
    return r.event_name || "";
  };

  B.recordWords = function (r) {
    const town = r.town_name || r.area_name || "";
    let counts;
    if (r.above_floor !== null && r.above_floor !== undefined) {
      counts = B.tr("{above} buildings flooded above the floor, {below} below the floor.", { above: r.above_floor, below: r.below_floor === null || r.below_floor === undefined ? "?" : r.below_floor });
    } else if (r.count_class) {
      const range = String(r.count_class).replace(/件$/, "");
      counts = range === "0" ? B.tr("No flooded buildings were recorded.") : B.tr("{range} buildings flooded.", { range });
    } else {
      counts = B.tr("Flooding was recorded.");
    }
    const unsure = r.confidence === "uncertain" ? B.tr("(This reading is uncertain.)") : "";
    return B.sentences([`${town}: ${B.eventLabel(r)}`, counts, unsure]);
  };

  function strong(r) {
    return (r.above_floor || 0) >= STRONG_ABOVE_FLOOR || (r.count_class_ordinal || 0) >= STRONG_CLASS_ORDINAL;
  }

  function filtered() {
    const eventName = B.$("history-event").value;
    const fromYear = Number(B.$("history-from").value || 0);
    return records.filter((r) => (!eventName || r.event_name === eventName) && (!fromYear || (yearsOf(r).to || 0) >= fromYear));
  }
  B.historyRecords = filtered;

  function fillFilters() {
    const eventSelect = B.$("history-event");
    const yearSelect = B.$("history-from");
    const chosenEvent = eventSelect.value;
    const chosenYear = yearSelect.value;
    const events = new Map();
    for (const r of records) if (!events.has(r.event_name)) events.set(r.event_name, r);
    eventSelect.innerHTML = "";
    eventSelect.append(B.el("option", { value: "", text: B.t("All floods") }));
    for (const [name, r] of events) eventSelect.append(B.el("option", { value: name, text: B.plain(B.eventLabel(r)) }));
    eventSelect.value = chosenEvent;
    const years = records.flatMap((r) => [yearsOf(r).from, yearsOf(r).to]).filter(Boolean);
    yearSelect.innerHTML = "";
    yearSelect.append(B.el("option", { value: "", text: B.t("Any year") }));
    if (years.length) {
      for (let y = Math.min(...years); y <= Math.max(...years); y++) yearSelect.append(B.el("option", { value: String(y), text: String(y) }));
    }
    yearSelect.value = chosenYear;
  }

  function sourceLine(r) {
    return B.el("p", { class: "small" }, [...B.richNodes(B.tr("Source")), ": ", r.source || ""]);
  }

  function popupFor(r) {
    const same = filtered().filter((o) => o.town_name === r.town_name);
    return B.el("div", { class: "popup" }, [
      B.el("h3", null, [...B.richNodes(B.tr("Past floods")), ": ", r.town_name || ""]),
      B.el("ul", null, same.map((o) => B.el("li", { rich: B.recordWords(o) }))),
      sourceLine(r),
    ]);
  }

  function draw() {
    if (layer) layer.remove();
    const shown = filtered();
    const withShape = shown.filter((r) => r._geometry);
    layer = L.geoJSON(
      { type: "FeatureCollection", features: withShape.map((r) => ({ type: "Feature", geometry: r._geometry, properties: r })) },
      {
        pane: "history",
        renderer: L.svg({ pane: "history" }),
        style: (f) => ({ fillColor: strong(f.properties) ? "url(#hist-strong)" : "url(#hist)", fillOpacity: 1, color: "#1e3a8a", weight: 1.5, dashArray: "4 3" }),
        onEachFeature: (f, l) => {
          f.properties._layer = l;
          l.bindPopup(() => popupFor(f.properties));
        },
      }
    );
    if (B.$("layer-history").checked) layer.addTo(B.map);
    renderList(shown);
    B.emit("history", shown);
  }

  B.showRecord = function (r) {
    if (r._layer && B.map.hasLayer(r._layer)) {
      B.map.fitBounds(r._layer.getBounds(), { maxZoom: 16 });
      r._layer.openPopup();
      return;
    }
    B.showDetail(B.t("Past floods"), [B.el("p", { rich: B.recordWords(r) }), sourceLine(r)]);
  };

  function renderList(shown) {
    const list = B.$("history-list");
    list.innerHTML = "";
    for (const r of shown) {
      list.append(B.el("li", {}, [B.el("button", { type: "button", class: "link-button", rich: B.recordWords(r), onclick: () => B.showRecord(r) })]));
    }
    if (!shown.length) list.append(B.el("li", { text: B.t("No records for this choice.") }));
    B.$("legend-history").innerHTML = `<ul class="legend__list"><li><svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><rect width="24" height="16" fill="url(#hist)" stroke="#1e3a8a"/></svg>${B.th("Flooded before")}</li><li><svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><rect width="24" height="16" fill="url(#hist-strong)" stroke="#1e3a8a"/></svg>${B.th("Flooded before, many buildings")}</li></ul>`;
  }

  B.initHistory = async function () {
    const url = B.api("inundation");
    if (!url) return;
    const { data } = await B.getJSON(url);
    records = normalise(data);
    B.$("group-history").hidden = false;
    fillFilters();
    draw();
    B.$("history-event").addEventListener("change", draw);
    B.$("history-from").addEventListener("change", draw);
    B.$("layer-history").addEventListener("change", () => {
      if (B.$("layer-history").checked) layer.addTo(B.map);
      else layer.remove();
    });
    B.on("language", () => {
      fillFilters();
      draw();
    });
  };
})();
