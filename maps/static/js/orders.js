/* Current evacuation orders (by area, hatched in the level colour) and alerts: the warnings banner. */
(function () {
  "use strict";
  const B = window.Bosai;
  const N_ = B.N_;
  const LEVELS = {
    3: [N_("Level 3: Elderly and others evacuate"), N_("People who need time to move, such as elderly or disabled people, should leave now.")],
    4: [N_("Level 4: Evacuation instruction"), N_("Everyone in the danger area must leave now.")],
    5: [N_("Level 5: Emergency safety measures"), N_("A disaster is happening. Protect your life now. If you cannot leave, go to a higher floor.")],
  };
  let orders = [];
  let alerts = [];
  let layer = null;

  function areaNames(codes) {
    const names = [];
    for (const code of codes || []) {
      const f = (B.baseFeatures || []).find((x) => x.properties.layer === "area" && x.properties.code === code);
      names.push(f ? B.placeName(f.properties, true) : code);
    }
    return names;
  }

  /* The short line of the banner: level, hazard and where. */
  B.orderTitle = function (o) {
    const level = LEVELS[o.level] || [String(o.level_name || "")];
    const hazard = B.cfg.hazard_labels[o.hazard] ? B.tr(B.cfg.hazard_labels[o.hazard]) : o.hazard || "";
    const where = areaNames(o.area_codes).join("、");
    return [B.tr(level[0]), hazard, where].filter(Boolean).join(" · ");
  };

  B.orderWords = function (o) {
    const level = LEVELS[o.level] || [String(o.level_name || ""), ""];
    const hazard = B.cfg.hazard_labels[o.hazard] ? B.tr(B.cfg.hazard_labels[o.hazard]) : o.hazard || "";
    const where = areaNames(o.area_codes).join("、");
    const parts = [[B.tr(level[0]), hazard].filter(Boolean).join(" · ")];
    if (where) parts.push(B.tr("Area: {areas}", { areas: where }));
    if (level[1]) parts.push(B.tr(level[1]));
    if (o.reason) parts.push(o.reason);
    if (o.issued_at) parts.push(B.tr("Issued {time}", { time: B.formatTime(B.parseTime(o.issued_at)) }));
    return B.sentences(parts);
  };

  function alertMessage(a) {
    const messages = a.messages || {};
    return messages[B.lang] || messages.ja || {};
  }

  function alertText(a) {
    const m = alertMessage(a);
    return [m.title || a.kind || "", m.body || ""].filter(Boolean).join(" ");
  }
  B.alertText = alertText;

  B.warningTexts = function () {
    return orders
      .map((o) => ({ level: o.level, title: B.orderTitle(o), text: B.orderWords(o) }))
      .concat(alerts.map((a) => ({ level: a.level || 0, title: alertMessage(a).title || a.kind || "", text: alertText(a) })));
  };

  function renderBanner() {
    const box = B.$("warnings");
    const list = B.$("warnings-list");
    const more = B.$("warnings-more");
    const items = B.warningTexts().sort((a, b) => b.level - a.level);
    list.innerHTML = "";
    more.innerHTML = "";
    for (const item of items) {
      list.append(
        B.el("li", { class: `warning warning--lv${item.level}` }, [
          B.el("span", { class: "warning__badge", text: item.level ? `Lv${item.level}` : "!" }),
          B.el("span", { class: "warning__text", rich: item.title }),
        ])
      );
      more.append(B.el("p", { rich: item.text }));
    }
    box.hidden = items.length === 0;
    B.$("warnings-speak").hidden = items.length === 0 || !B.canSpeak();
    B.emit("warnings", items);
  }

  function draw() {
    if (layer) layer.remove();
    const features = orders.filter((o) => o._geometry).map((o) => ({ type: "Feature", geometry: o._geometry, properties: o }));
    layer = L.geoJSON(
      { type: "FeatureCollection", features },
      {
        pane: "orders",
        renderer: L.svg({ pane: "orders" }),
        style: (f) => ({ fillColor: `url(#order-${f.properties.level})`, fillOpacity: 1, color: B.cfg.level_colours[f.properties.level], weight: 3 }),
        onEachFeature: (f, l) => l.bindPopup(() => B.el("div", { class: "popup" }, [B.el("h3", null, B.richNodes(B.tr("Evacuation information"))), B.el("p", { rich: B.orderWords(f.properties) })])),
      }
    );
    if (B.$("layer-orders").checked) layer.addTo(B.map);
  }

  B.loadOrders = async function () {
    const url = B.api("orders");
    if (url) {
      const { data } = await B.getJSON(url);
      orders = (data.features || []).map((f) => Object.assign({}, f.properties, { _geometry: f.geometry }));
      draw();
    }
    const alertsUrl = B.api("alerts");
    if (alertsUrl) {
      try {
        const { data } = await B.getJSON(alertsUrl);
        const items = Array.isArray(data) ? data : data.alerts || data.items || (data.features || []).map((f) => f.properties);
        alerts = items.filter((a) => !a.status || a.status === "sent" || a.status === "updated");
        B.alertHistory = items;
      } catch (error) {
        B.report(error);
      }
    }
    renderBanner();
    B.emit("orders", orders);
  };

  B.currentOrders = () => orders;

  B.initOrders = function () {
    if (B.api("orders")) B.$("group-orders").hidden = false;
    const legend = () => {
      B.$("legend-orders").innerHTML = `<ul class="legend__list">${[3, 4, 5]
        .map((lv) => `<li><svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><rect width="24" height="16" fill="url(#order-${lv})" stroke="${B.cfg.level_colours[lv]}" stroke-width="2"/></svg>${B.th(LEVELS[lv][0])}</li>`)
        .join("")}</ul>`;
    };
    legend();
    B.$("layer-orders").addEventListener("change", () => {
      if (!layer) return;
      if (B.$("layer-orders").checked) layer.addTo(B.map);
      else layer.remove();
    });
    B.$("warnings-speak").addEventListener("click", (event) =>
      B.speak(B.plain(B.warningTexts().map((w) => w.text).join(" "), true), event.currentTarget)
    );
    B.on("language", () => {
      legend();
      renderBanner();
    });
    return B.loadOrders();
  };
})();
