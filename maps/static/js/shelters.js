/* Shelters: icons by kind (shape), status (colour + symbol + text) and crowding; hazard-suitability filter. */
(function () {
  "use strict";
  const B = window.Bosai;
  const N_ = B.N_;
  /* Below this zoom, closed shelters are grouped; open, opening and full ones are always drawn one by one. */
  const GROUP_BELOW_ZOOM = 14;
  const GROUP_CELL_PX = 56;
  /* Marker sizes (px) and the least distance between two marker centres, so targets never overlap. */
  const ACTIVE_PX = 36;
  const CLOSED_PX = 28;
  const GROUP_PX = 34;
  const MIN_SEPARATION_PX = 38;
  /* From this zoom a group lists its shelters instead of zooming further. */
  const LIST_GROUP_ZOOM = 17;
  const VIEW_PADDING = 0.2;
  B.STATUS = {
    open: { label: N_("Open"), symbol: "✓", active: true },
    opening: { label: N_("Getting ready to open"), symbol: "…", active: true },
    full: { label: N_("Full"), symbol: "✕", active: true },
    closed: { label: N_("Not open now"), symbol: "–", active: false },
    closed_again: { label: N_("Closed"), symbol: "–", active: false },
  };
  B.CROWDING = {
    vacant: N_("Not crowded"),
    somewhat_crowded: N_("Somewhat crowded"),
    crowded: N_("Crowded"),
    full: N_("Full"),
  };
  const SHAPES = {
    designated_shelter: "house",
    designated_emergency_site: "circle",
    wide_area_site: "wide",
    temporary_assembly_point: "diamond",
    temporary_stay_facility: "square",
    welfare_shelter: "heart",
  };
  B.shelters = new Map();
  const markers = new Map(); // key -> {marker, members, signature}
  let drawnOnce = false;

  function kindOf(p) {
    return (p.kinds && p.kinds[0]) || "designated_shelter";
  }

  B.crowdingOf = function (p) {
    if (p.status === "full") return "full";
    if (p.crowding && p.crowding.key) return p.crowding.key;
    if (!p.capacity || p.capacity <= 0 || !B.STATUS[p.status] || !B.STATUS[p.status].active) return null;
    const ratio = (p.occupancy || 0) / p.capacity;
    const index = B.cfg.crowding.thresholds.findIndex((bound) => ratio < bound);
    return B.cfg.crowding.keys[index === -1 ? B.cfg.crowding.keys.length - 1 : index];
  };

  B.shelterName = function (p) {
    const name = p.name || "";
    return p.name_en && !B.lang.startsWith("ja") ? `${name} (${p.name_en})` : name;
  };

  /* The name as DOM nodes: with its reading in やさしい日本語, with the English name in other languages. */
  B.shelterNameNodes = function (p) {
    const name = p.name || "";
    const nodes = [p.name_kana && B.lang === "ja-easy" ? B.el("ruby", null, [name, B.el("rt", { text: p.name_kana })]) : name];
    if (p.name_en && !B.lang.startsWith("ja")) nodes.push(" ", B.el("span", { class: "name-en", lang: "en", text: p.name_en }));
    return nodes;
  };

  B.statusWords = function (p) {
    const status = B.STATUS[p.status] || B.STATUS.closed;
    const crowd = B.crowdingOf(p);
    return crowd && p.status !== "full" ? `${B.tr(status.label)} · ${B.tr(B.CROWDING[crowd])}` : B.tr(status.label);
  };

  B.safeFor = function (p, hazard) {
    return !hazard || hazard === "all" || (p.hazards || []).includes(hazard);
  };

  function visible(p) {
    if (!B.safeFor(p, B.state.hazard)) return false;
    if (B.$("shelter-open-only").checked && p.status !== "open") return false;
    const kinds = B.state.kinds;
    return !kinds || (p.kinds || []).some((k) => kinds.has(k)) || !(p.kinds || []).length;
  }
  B.shelterVisible = visible;

  function iconHtml(p, hidden) {
    const status = B.STATUS[p.status] ? p.status : "closed";
    const crowd = B.crowdingOf(p);
    const badge = crowd && status === "open" ? `<span class="sh__crowd sh__crowd--${crowd}" aria-hidden="true"></span>` : "";
    const more = hidden ? `<span class="sh__more" aria-hidden="true">+${hidden}</span>` : "";
    return `<span class="sh__body"><span class="sh__glyph" aria-hidden="true">${B.STATUS[status].symbol}</span></span>${badge}${more}`;
  }

  function makeIcon(p, hidden) {
    const status = B.STATUS[p.status] ? p.status : "closed";
    const active = B.STATUS[status].active;
    const size = active ? ACTIVE_PX : CLOSED_PX;
    return L.divIcon({
      className: `sh sh--${SHAPES[kindOf(p)] || "circle"} sh--${status}${active ? " sh--active" : ""}`,
      html: iconHtml(p, hidden),
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
    });
  }

  /* A shelter's popup (and detail) as DOM nodes: names, addresses and phones from data stay text. */
  B.shelterPopup = function (p, nearby) {
    const el = B.el;
    const line = (text, cls) => el("p", { class: cls, rich: text });
    const kinds = (p.kinds || []).map((k) => B.tr(B.cfg.shelter_kinds[k] || k)).join(B.listSep());
    const safe = (p.hazards || []).map((h) => B.tr(B.cfg.hazard_labels[h] || h));
    const rows = [
      el("p", { class: `popup__status popup__status--${p.status}` }, [el("span", { "aria-hidden": "true", text: (B.STATUS[p.status] || B.STATUS.closed).symbol }), " ", el("strong", { rich: B.statusWords(p) })]),
      el("p", { rich: kinds }),
      safe.length ? el("p", null, [...B.richNodes(B.tr("Safe from")), ": ", ...B.richNodes(safe.join(B.listSep()))]) : line(B.tr("Not designated for a specific danger.")),
    ];
    if (B.state.hazard !== "all" && !B.safeFor(p, B.state.hazard)) rows.push(line(B.tr("Not designated as safe from the danger you chose."), "warn"));
    if (p.capacity) rows.push(line(B.tr("People: {n} of {capacity}", { n: p.occupancy || 0, capacity: p.capacity })));
    if (p.address) rows.push(el("p", null, [...B.richNodes(B.tr("Address")), ": ", p.address]));
    if (p.phone) rows.push(el("p", null, [...B.richNodes(B.tr("Phone")), ": ", el("a", { href: `tel:${p.phone}`, text: p.phone })]));
    if (p.accessible) rows.push(line(B.tr("Wheelchair accessible")));
    if (p.pets_allowed) rows.push(line(B.tr("Pets allowed")));
    if (B.state.point) {
      const s = B.shelters.get(String(p.id));
      if (s) rows.push(line(B.tr("{distance} from the chosen place", { distance: B.formatDistance(B.distanceM(B.state.point.lat, B.state.point.lon, s.lat, s.lon)) })));
    }
    if (p.status_changed_at) rows.push(line(B.tr("Status changed {time}", { time: B.formatTime(B.parseTime(p.status_changed_at)) }), "small"));
    if (nearby && nearby.length) {
      rows.push(el("p", null, el("strong", null, [...B.richNodes(B.tr("Also here")), ":"])));
      rows.push(el("ul", null, nearby.map((o) => el("li", null, [...B.shelterNameNodes(o.props), ": ", ...B.richNodes(B.statusWords(o.props))]))));
    }
    return el("div", { class: "popup popup--shelter", "data-shelter-id": p.id }, [el("h3", null, B.shelterNameNodes(p)), ...rows]);
  };

  function ariaLabel(p, hidden) {
    const base = `${B.shelterName(p, false)}: ${B.plain(B.statusWords(p))}`;
    if (!hidden) return base;
    const more = B.tn("{n} more shelter here.", "{n} more shelters here.", hidden);
    return `${base}. ${more}`;
  }

  function label(entry) {
    const el = entry.marker.getElement();
    if (!el) return;
    const p = entry.members[0].props;
    el.setAttribute("aria-label", ariaLabel(p, entry.members.length - 1));
    el.setAttribute("data-shelter-id", String(p.id));
    el.classList.add("shelter-marker");
  }

  function shelterMarker(entry) {
    const s = entry.members[0];
    const p = s.props;
    const marker = L.marker([s.lat, s.lon], { icon: makeIcon(p, entry.members.length - 1), keyboard: true, riseOnHover: true, zIndexOffset: isActive(p) ? 1000 : 0 });
    marker.bindPopup(() => B.shelterPopup(s.props, entry.members.slice(1)), { maxWidth: 320 });
    entry.marker = marker;
    marker.on("add", () => label(entry));
    return marker;
  }

  /* Several closed shelters drawn as one: a tap zooms in, or lists them when they share one spot. */
  function groupMarker(entry) {
    const items = entry.members;
    const n = items.length;
    const bounds = L.latLngBounds(items.map((s) => [s.lat, s.lon]));
    const text = B.t("{n} shelters (not open now). Zoom in to see them.", { n });
    const marker = L.marker(bounds.getCenter(), {
      icon: L.divIcon({ className: "sh-group", html: `<span aria-hidden="true">${n}</span>`, iconSize: [GROUP_PX, GROUP_PX] }),
      keyboard: true,
    });
    marker.on("click", () => {
      const zoom = B.map.getBoundsZoom(bounds.pad(0.5));
      if (zoom > LIST_GROUP_ZOOM || B.map.getZoom() >= LIST_GROUP_ZOOM) {
        B.showDetail(B.t("Shelters"), items.map((s) => B.shelterPopup(s.props)));
      } else {
        B.map.fitBounds(bounds.pad(0.5), { maxZoom: LIST_GROUP_ZOOM });
      }
    });
    marker.on("add", () => {
      const el = marker.getElement();
      el.setAttribute("aria-label", text);
      el.classList.add("shelter-group");
    });
    entry.marker = marker;
    return marker;
  }

  function isActive(p) {
    return Boolean(B.STATUS[p.status] && B.STATUS[p.status].active);
  }

  /* Open, opening and full shelters seed the groups; the rest join the first seed within reach, so no two
     targets overlap (WCAG 2.5.8) and shelters that are open are never hidden in a group. */
  function cluster(items, zoom) {
    const reach = zoom < GROUP_BELOW_ZOOM ? GROUP_CELL_PX : MIN_SEPARATION_PX;
    const sorted = items.slice().sort((a, b) => Number(isActive(b.props)) - Number(isActive(a.props)) || a.props.id - b.props.id);
    const seeds = [];
    for (const s of sorted) {
      const pt = B.map.project([s.lat, s.lon], zoom);
      const active = isActive(s.props);
      const seed = seeds.find((c) => c.pt.distanceTo(pt) < (active ? MIN_SEPARATION_PX : reach));
      if (seed) seed.members.push(s);
      else seeds.push({ pt, active, members: [s] });
    }
    return seeds;
  }

  function keyOf(seed) {
    const first = seed.members[0].props;
    if (seed.active || seed.members.length === 1) return `s${first.id}:${seed.members.length}`;
    return `g${seed.members.map((s) => s.props.id).join(",")}`;
  }

  function signature(seed) {
    return seed.members.map((s) => [s.props.status, B.crowdingOf(s.props), s.props.version].join("|")).join(";") + B.lang;
  }

  /* Draw what is visible: active shelters one by one, closed ones grouped when close together. */
  B.drawShelters = function () {
    const map = B.map;
    const view = map.getBounds().pad(VIEW_PADDING);
    const items = B.$("layer-shelters").checked
      ? [...B.shelters.values()].filter((s) => visible(s.props) && view.contains([s.lat, s.lon]))
      : [];
    const wanted = new Map(cluster(items, map.getZoom()).map((seed) => [keyOf(seed), seed]));
    for (const [key, entry] of markers) {
      if (!wanted.has(key)) {
        entry.marker.remove();
        markers.delete(key);
      }
    }
    for (const [key, seed] of wanted) {
      const existing = markers.get(key);
      const sig = signature(seed);
      if (existing && existing.signature === sig) continue;
      if (existing) {
        existing.members = seed.members;
        existing.signature = sig;
        if (key.startsWith("g")) {
          existing.marker.remove();
          groupMarker(existing).addTo(map);
          continue;
        }
        const p = seed.members[0].props;
        existing.marker.setIcon(makeIcon(p, seed.members.length - 1));
        existing.marker.setZIndexOffset(isActive(p) ? 1000 : 0);
        label(existing);
        if (existing.marker.isPopupOpen()) existing.marker.setPopupContent(B.shelterPopup(p, seed.members.slice(1)));
      } else {
        const entry = { members: seed.members, signature: sig, marker: null };
        (key.startsWith("g") ? groupMarker(entry) : shelterMarker(entry)).addTo(map);
        markers.set(key, entry);
      }
    }
    if (!drawnOnce && markers.size > 0) {
      drawnOnce = true;
      performance.mark("bosai:shelters-drawn");
      document.documentElement.setAttribute("data-shelters-drawn", String(markers.size));
    }
    B.emit("shelters-drawn", markers.size);
  };

  B.openShelter = function (id) {
    const s = B.shelters.get(String(id));
    if (!s) return;
    B.map.setView([s.lat, s.lon], Math.max(B.map.getZoom(), LIST_GROUP_ZOOM));
    B.drawShelters();
    for (const entry of markers.values()) {
      if (entry.members.includes(s)) {
        if (entry.members.length === 1 || isActive(entry.members[0].props)) entry.marker.openPopup();
        else entry.marker.fire("click");
        return;
      }
    }
  };

  /* Apply a live change (an event payload or a fresh read of one shelter). */
  B.updateShelter = function (state) {
    const id = String(state.id);
    const s = B.shelters.get(id);
    if (!s) return false;
    if (state.version !== undefined && s.props.version !== undefined && state.version < s.props.version) return false;
    Object.assign(s.props, state);
    B.drawShelters();
    B.emit("shelters", B.shelters);
    return true;
  };

  function ingest(data) {
    B.shelters.clear();
    for (const f of data.features || []) {
      if (!f.geometry || f.geometry.type !== "Point") continue;
      const [lon, lat] = f.geometry.coordinates;
      B.shelters.set(String(f.properties.id), { props: f.properties, lat, lon });
    }
  }

  B.loadShelters = async function () {
    const url = B.api("shelters");
    if (!url) return;
    const { data } = await B.getJSON(url);
    ingest(data);
    B.drawShelters();
    B.emit("shelters", B.shelters);
  };

  function buildKindFilter() {
    const box = B.$("shelter-kinds");
    box.innerHTML = "";
    const present = new Set();
    for (const s of B.shelters.values()) for (const k of s.props.kinds || []) present.add(k);
    for (const kind of Object.keys(B.cfg.shelter_kinds)) {
      if (!present.has(kind)) continue;
      const input = B.el("input", { type: "checkbox", value: kind });
      input.checked = !B.state.kinds || B.state.kinds.has(kind);
      input.addEventListener("change", () => {
        B.state.kinds = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
        B.drawShelters();
        B.emit("filters");
      });
      const shape = `<span class="sh sh--legend sh--${SHAPES[kind] || "circle"} sh--open" aria-hidden="true"><span class="sh__body"><span class="sh__glyph">✓</span></span></span>`;
      box.append(B.el("label", { class: "check" }, [input, B.el("span", { html: ` ${shape} ${B.th(B.cfg.shelter_kinds[kind])}` })]));
    }
  }

  function buildLegend() {
    const items = ["open", "opening", "full", "closed"].map(
      (status) => `<li><span class="sh sh--legend sh--circle sh--${status}" aria-hidden="true"><span class="sh__body"><span class="sh__glyph">${B.STATUS[status].symbol}</span></span></span>${B.th(B.STATUS[status].label)}</li>`
    );
    const crowd = Object.keys(B.CROWDING)
      .slice(0, 3)
      .map((key) => `<li><span class="sh__crowd sh__crowd--${key} sh__crowd--legend" aria-hidden="true"></span>${B.th(B.CROWDING[key])}</li>`);
    B.$("legend-shelters").innerHTML = `<ul class="legend__list">${items.join("")}${crowd.join("")}</ul>`;
  }

  B.initShelters = function () {
    const redraw = () => {
      B.drawShelters();
      B.emit("filters");
    };
    B.$("layer-shelters").addEventListener("change", redraw);
    B.$("shelter-open-only").addEventListener("change", redraw);
    B.map.on("zoomend moveend", B.debounce(() => B.drawShelters(), 80));
    B.on("shelters", () => {
      if (!B.$("shelter-kinds").children.length) buildKindFilter();
    });
    B.on("language", () => {
      buildKindFilter();
      buildLegend();
      for (const entry of markers.values()) entry.signature = "";
      B.drawShelters();
    });
    buildLegend();
  };
})();
