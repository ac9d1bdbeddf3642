/* "Where do I go?": a place (GPS or tap) → danger there, past floods, orders, 3 nearest suitable open shelters. */
(function () {
  "use strict";
  const B = window.Bosai;
  const NEAREST = 3;
  const GEO_TIMEOUT_MS = 15000;
  const GEO_MAX_AGE_MS = 60000;
  let pointMarker = null;
  let lines = null;
  let picking = false;
  let lastAnswer = null;

  function listOf(value) {
    if (!value) return [];
    if (Array.isArray(value)) return value;
    if (Array.isArray(value.features)) return value.features;
    return [value];
  }

  function flat(item) {
    return item && item.properties ? Object.assign({}, item.properties, { geometry: item.geometry }) : item;
  }

  function shelterPoint(s) {
    const g = s.geometry || s.location;
    if (g && g.coordinates) return { lat: g.coordinates[1], lon: g.coordinates[0] };
    if (typeof s.lat === "number") return { lat: s.lat, lon: s.lon };
    const known = B.shelters.get(String(s.id));
    return known ? { lat: known.lat, lon: known.lon } : null;
  }

  /* The answer of /api/point-info in the map's own shape. */
  function fromApi(data, point) {
    const place = (list) =>
      listOf(list).map(flat).map((s) => {
        const known = B.shelters.get(String(s.id));
        const merged = Object.assign({}, known ? known.props : {}, s);
        const at = shelterPoint(merged);
        return at ? Object.assign(merged, at, { distance_m: s.distance_m ?? B.distanceM(point.lat, point.lon, at.lat, at.lon) }) : null;
      }).filter(Boolean);
    const open = place(data.shelters);
    const history = data.flood_history || {};
    const areas = listOf(data.areas);
    return {
      local: false,
      area: areas.length ? areas[areas.length - 1] : null,
      hazards: listOf(data.hazards).map(flat),
      floods: listOf(history.here).concat(listOf(history.nearby)).map(flat),
      floodsInWard: listOf(history.in_ward).map(flat),
      orders: listOf(data.orders).map(flat),
      shelterHazards: data.shelter_hazards || [],
      shelters: (open.length ? open : place(data.sites)).slice(0, NEAREST),
      allClosed: open.length === 0,
    };
  }

  /* The same answer computed on this device from the data already loaded (offline, or no point-info endpoint). */
  function computeLocally(point, offline) {
    const hazard = B.state.hazard;
    const candidates = [...B.shelters.values()]
      .filter((s) => B.safeFor(s.props, hazard))
      .map((s) => Object.assign({}, s.props, { lat: s.lat, lon: s.lon, distance_m: B.distanceM(point.lat, point.lon, s.lat, s.lon) }))
      .sort((a, b) => a.distance_m - b.distance_m);
    const open = candidates.filter((s) => s.status === "open");
    const orders = B.currentOrders().filter((o) => o._geometry && B.pointInGeometry(point.lon, point.lat, o._geometry));
    return {
      local: true,
      offline: Boolean(offline),
      area: B.areaAt(point.lat, point.lon),
      hazards: null,
      floods: null,
      orders,
      shelters: (open.length ? open : candidates).slice(0, NEAREST),
      allClosed: open.length === 0,
    };
  }

  function walkMinutes(metres) {
    return Math.max(1, Math.round(metres / B.WALK_M_PER_MIN));
  }

  function shelterLine(s, index, point) {
    const direction = B.directionWords(B.bearingDeg(point.lat, point.lon, s.lat, s.lon));
    return B.tr("{n}. {name}: {distance} {direction} (about {minutes} min on foot). {status}.", {
      n: index + 1,
      name: B.shelterName(s, false),
      distance: B.formatDistance(s.distance_m),
      direction,
      minutes: walkMinutes(s.distance_m),
      status: B.statusWords(s),
    });
  }

  function hazardLines(answer) {
    if (answer.hazards === null) return answer.offline ? [B.tr("The danger of this place could not be checked (no connection).")] : null;
    if (!answer.hazards.length) return [B.tr("No hazard zone is recorded here. This does not mean it is safe.")];
    return answer.hazards.map((h) => B.zoneDescription(h).join(": "));
  }

  function floodLines(answer) {
    if (answer.floods === null) return answer.offline ? [B.tr("Past floods could not be checked (no connection).")] : null;
    const lines = answer.floods.map((r) => B.recordWords(r));
    if (!lines.length) lines.push(B.tr("No past flood is recorded here."));
    const elsewhere = [...new Set((answer.floodsInWard || []).map((r) => r.town_name).filter(Boolean))].sort((a, b) => a.localeCompare(b, "ja"));
    if (elsewhere.length) lines.push(B.tr("Floods were recorded in this ward at: {towns}.", { towns: elsewhere.join("、") }));
    return lines;
  }

  function orderLines(answer) {
    if (!answer.orders.length) return [B.tr("No evacuation order for this place now.")];
    return answer.orders.map((o) => B.orderWords(o));
  }

  function shelterLines(answer, point) {
    if (!answer.shelters.length) return [B.tr("No suitable shelter was found nearby. If water is rising, go to a high floor of a strong building.")];
    const out = answer.shelters.map((s, i) => shelterLine(s, i, point));
    if (answer.allClosed) out.unshift(B.tr("No suitable shelter is open now. These are the nearest ones; check before you go."));
    return out;
  }

  function sections(answer, point) {
    const hazards = B.state.hazard !== "all" ? [B.state.hazard] : answer.shelterHazards || [];
    const names = hazards.map((h) => B.tr(B.cfg.hazard_labels[h] || h)).join(B.lang.startsWith("ja") ? "・" : ", ");
    const shelterTitle = names ? B.tr("Nearest open shelters safe from {hazard}", { hazard: names }) : B.tr("Nearest open shelters");
    return [
      [B.tr("Danger of flooding here"), hazardLines(answer)],
      [B.tr("Past floods here"), floodLines(answer)],
      [B.tr("Evacuation information now"), orderLines(answer)],
      [shelterTitle, shelterLines(answer, point)],
    ];
  }

  const areaName = (area) => B.placeName(area, true);

  function render(answer, point) {
    const box = B.$("where-result");
    box.innerHTML = "";
    const place = areaName(answer.area);
    box.append(B.el("h3", { rich: place ? B.tr("At this place ({area})", { area: place }) : B.tr("At this place") }));
    if (answer.offline) box.append(B.el("p", { class: "message", rich: B.tr("Worked out on this device from the saved data.") }));
    const heading = box.firstChild;
    heading.tabIndex = -1;
    sections(answer, point).forEach(([title, lines], index) => {
      if (!lines) return;
      const isShelters = index === 3;
      box.append(B.el("h4", { rich: title }));
      const list = B.el(isShelters ? "ol" : "ul", { class: isShelters ? "answer-shelters" : "plain-list" });
      lines.forEach((line, i) => {
        const shelterIndex = answer.allClosed ? i - 1 : i;
        const s = isShelters ? answer.shelters[shelterIndex] : null;
        const item = s
          ? B.el("li", {}, [B.el("button", { type: "button", class: "link-button", rich: line, onclick: () => B.openShelter(s.id) })])
          : B.el("li", { rich: line });
        list.append(item);
      });
      box.append(list);
    });
    box.append(B.el("p", { class: "small", id: "where-distance-note", rich: B.tr("Distances are straight lines; the way on the road is longer.") }));
    box.append(B.speakButton(() => speechText(answer, point)));
    heading.scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  }

  function speechText(answer, point) {
    const text = sections(answer, point)
      .filter(([, lines]) => lines)
      .map(([title, lines]) => B.sentences([title, ...lines]))
      .join(" ");
    return B.plain(text, B.lang === "ja-easy");
  }

  /* Replace the straight line to each shelter by the walking route when the hub has a routing service. */
  async function drawRoutes(group, straight, answer, point) {
    const url = B.api("walk_route");
    if (!url || !navigator.onLine) return;
    const drawn = await Promise.all(
      answer.shelters.map(async (s, i) => {
        const params = new URLSearchParams({ from_lat: point.lat.toFixed(6), from_lon: point.lon.toFixed(6), to_lat: s.lat.toFixed(6), to_lon: s.lon.toFixed(6) });
        try {
          const response = await fetch(`${url}?${params}`);
          if (!response.ok) return false;
          const route = await response.json();
          if (group !== lines) return false; // a newer answer replaced this one
          straight[i].remove();
          const latlngs = route.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
          L.polyline(latlngs, { pane: "lines", color: "#0b3a66", weight: 5, interactive: false, className: "walk-route" }).addTo(group);
          return true;
        } catch (error) {
          return false; // no connection: the straight line stays
        }
      })
    );
    const note = B.$("where-distance-note");
    if (note && drawn.some(Boolean)) note.append(" ", B.el("span", { rich: B.tr("Solid lines follow the streets on foot.") }));
  }

  function drawAnswer(answer, point) {
    if (lines) lines.remove();
    lines = L.layerGroup().addTo(B.map);
    const bounds = L.latLngBounds([[point.lat, point.lon]]);
    const straight = [];
    answer.shelters.forEach((s, i) => {
      straight.push(
        L.polyline([[point.lat, point.lon], [s.lat, s.lon]], { pane: "lines", color: "#0b3a66", weight: 4, dashArray: "10 8", interactive: false, className: "straight-line" }).addTo(lines)
      );
      L.marker([s.lat, s.lon], {
        pane: "lines",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "route-number", html: `<span>${i + 1}</span>`, iconSize: [26, 26], iconAnchor: [-6, 30] }),
      }).addTo(lines);
      bounds.extend([s.lat, s.lon]);
    });
    B.map.fitBounds(bounds.pad(0.2), { maxZoom: 17, paddingBottomRight: [0, B.panelCover()] });
    drawRoutes(lines, straight, answer, point);
  }

  async function answerFor(point) {
    const url = B.api("point_info");
    if (!url) return computeLocally(point, false);
    const params = new URLSearchParams({ lat: point.lat.toFixed(6), lon: point.lon.toFixed(6) });
    if (B.state.hazard !== "all") params.set("hazard", B.state.hazard);
    try {
      const { data, fromCache } = await B.getJSON(`${url}?${params}`);
      return fromCache ? computeLocally(point, true) : fromApi(data, point);
    } catch (error) {
      return computeLocally(point, true);
    }
  }

  function drawPoint(point) {
    if (pointMarker) pointMarker.remove();
    const label = point.source === "gps" ? B.th("You are here") : B.th("Chosen place");
    pointMarker = L.marker([point.lat, point.lon], {
      icon: L.divIcon({ className: "you-are-here", html: `<span class="you-are-here__dot"></span><span class="you-are-here__label">${label}</span>`, iconSize: [24, 24] }),
      keyboard: false,
      interactive: false,
      zIndexOffset: 2000,
    }).addTo(B.map);
  }

  B.setPoint = async function (lat, lon, source) {
    const point = { lat, lon, source };
    B.state.point = point;
    drawPoint(point);
    B.openPanel("where");
    B.$("where-result").innerHTML = `<p>${B.th("Looking up this place…")}</p>`;
    const answer = await answerFor(point);
    lastAnswer = answer;
    render(answer, point);
    drawAnswer(answer, point);
    B.emit("point", point);
  };

  function showError(boxId, msgid) {
    const box = B.$(boxId);
    box.textContent = B.t(msgid);
    box.hidden = false;
  }

  /* The device's position (GPS); problems are shown in the element with id errorId. */
  B.locate = function (onPoint, errorId) {
    const boxId = errorId || "where-error";
    B.$(boxId).hidden = true;
    if (!("geolocation" in navigator)) {
      showError(boxId, B.N_("Your location could not be found. Choose a place on the map instead."));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => onPoint(pos.coords.latitude, pos.coords.longitude),
      (error) =>
        showError(
          boxId,
          error.code === 1
            ? B.N_("Location is not allowed. Choose a place on the map instead.")
            : B.N_("Your location could not be found. Choose a place on the map instead.")
        ),
      { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: GEO_MAX_AGE_MS }
    );
  };

  function stopPicking() {
    picking = false;
    B.$("pick-hint").hidden = true;
    B.map.getContainer().classList.remove("picking");
  }

  B.startPicking = function (onPoint) {
    picking = onPoint;
    B.$("pick-hint").hidden = false;
    B.map.getContainer().classList.add("picking");
    B.$("pick-center").focus();
  };

  B.initWhere = function () {
    B.$("where-locate").addEventListener("click", () => B.locate((lat, lon) => B.setPoint(lat, lon, "gps")));
    B.$("where-pick").addEventListener("click", () => {
      B.closePanel(false);
      B.startPicking((lat, lon) => B.setPoint(lat, lon, "map"));
    });
    B.$("pick-cancel").addEventListener("click", () => {
      stopPicking();
      B.openPanel("where");
    });
    B.$("pick-center").addEventListener("click", () => {
      const c = B.map.getCenter();
      const done = picking;
      stopPicking();
      if (done) done(c.lat, c.lng);
    });
    B.map.on("click", (event) => {
      if (!picking) return;
      const done = picking;
      stopPicking();
      B.map.closePopup();
      done(event.latlng.lat, event.latlng.lng);
    });
    for (const select of document.querySelectorAll(".hazard-select")) {
      select.addEventListener("change", () => B.setHazard(select.value));
    }
    B.on("language", () => {
      if (!B.state.point) return;
      drawPoint(B.state.point);
      if (lastAnswer) render(lastAnswer, B.state.point);
    });
  };

  B.isPicking = () => Boolean(picking);

  B.setHazard = function (value) {
    B.state.hazard = value;
    B.store.set("hazard", value);
    for (const select of document.querySelectorAll(".hazard-select")) select.value = value;
    B.drawShelters();
    B.emit("filters");
    if (B.state.point && lastAnswer) B.setPoint(B.state.point.lat, B.state.point.lon, B.state.point.source);
  };
})();
