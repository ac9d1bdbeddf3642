/* The text list: everything the map shows, as plain text for screen readers and large-print reading. */
(function () {
  "use strict";
  const B = window.Bosai;
  const PAGE = 30;
  let shown = PAGE;

  function origin() {
    if (B.state.point) return { lat: B.state.point.lat, lon: B.state.point.lon, own: true };
    const c = B.map.getCenter();
    return { lat: c.lat, lon: c.lng, own: false };
  }

  function renderWarnings() {
    const box = B.$("list-warnings");
    const items = B.warningTexts ? B.warningTexts() : [];
    box.innerHTML = "";
    if (!items.length) {
      box.append(B.el("p", { text: B.t("No evacuation order or alert now.") }));
      return;
    }
    const list = B.el("ul", { class: "plain-list" });
    for (const item of items) list.append(B.el("li", { rich: item.text }));
    box.append(list);
  }

  function renderShelters() {
    const from = origin();
    const all = [...B.shelters.values()]
      .filter((s) => B.shelterVisible(s.props))
      .map((s) => ({ s, d: B.distanceM(from.lat, from.lon, s.lat, s.lon) }))
      .sort((a, b) => a.d - b.d);
    const hazardName = B.state.hazard === "all" ? B.tr("any danger") : B.tr(B.cfg.hazard_labels[B.state.hazard]);
    const place = from.own ? B.tr("the chosen place") : B.tr("the centre of the map");
    const note = B.trn(
      "{n} shelter for {hazard}, nearest first from {origin}.",
      "{n} shelters for {hazard}, nearest first from {origin}.",
      all.length,
      { hazard: hazardName, origin: place }
    );
    B.$("list-shelters-note").innerHTML = B.rich(note);
    const list = B.$("list-shelters");
    list.innerHTML = "";
    for (const { s, d } of all.slice(0, shown)) {
      const p = s.props;
      const direction = B.directionWords(B.bearingDeg(from.lat, from.lon, s.lat, s.lon));
      const kinds = (p.kinds || []).map((k) => B.tr(B.cfg.shelter_kinds[k] || k)).join(B.listSep());
      list.append(
        B.el("li", { class: `shelter-item shelter-item--${p.status}`, "data-shelter-id": p.id }, [
          B.el("strong", null, B.shelterNameNodes(p)),
          B.el("span", { class: "shelter-item__status", rich: ` ${B.statusWords(p)}` }),
          B.el("span", { class: "shelter-item__meta", rich: `${B.formatDistance(d)} ${direction} · ${kinds}` }),
          p.address ? B.el("span", { class: "shelter-item__meta", text: p.address }) : null,
          B.el("button", { type: "button", class: "btn btn--small", text: B.t("Show on the map"), onclick: () => { B.closePanel(false); B.openShelter(p.id); } }),
        ])
      );
    }
    B.$("list-more").hidden = all.length <= shown;
  }

  function renderGauges() {
    const section = B.$("list-gauges-section");
    const list = B.$("list-gauges");
    const gauges = [...(B.gauges || new Map()).values()].sort((a, b) => (b.props.alert_level || 0) - (a.props.alert_level || 0));
    section.hidden = !B.api("stations");
    list.innerHTML = "";
    if (!gauges.length) list.append(B.el("li", { text: B.t("No river gauge in this view. Zoom in to see the gauges.") }));
    for (const g of gauges) list.append(B.el("li", { rich: B.gaugeWords(g.props) }));
  }

  function renderHistory() {
    const section = B.$("list-history-section");
    const list = B.$("list-history");
    const records = B.historyRecords ? B.historyRecords() : [];
    section.hidden = !B.api("inundation");
    list.innerHTML = "";
    for (const r of records) list.append(B.el("li", { rich: B.recordWords(r) }));
  }

  B.renderList = function () {
    if (B.$("panel-list").hidden) return;
    renderWarnings();
    renderShelters();
    renderGauges();
    renderHistory();
  };

  B.initList = function () {
    B.$("list-more").addEventListener("click", () => {
      shown += PAGE;
      B.renderList();
    });
    for (const name of ["shelters", "filters", "warnings", "gauges", "history", "point", "language", "panel"]) B.on(name, B.renderList);
  };
})();
