/* The side / bottom panel: one view at a time, keyboard friendly (focus moves in and back, Escape closes). */
(function () {
  "use strict";
  const B = window.Bosai;
  let current = null;
  let opener = null;

  function setExpanded(name) {
    for (const button of document.querySelectorAll(".actions [data-open-panel]")) {
      button.setAttribute("aria-expanded", button.getAttribute("data-open-panel") === name ? "true" : "false");
    }
  }

  function setTitle(view) {
    const title = B.$("panel-title");
    const msgid = view.getAttribute("data-title");
    title.setAttribute("data-i18n", msgid);
    title.innerHTML = B.th(msgid);
  }

  B.openPanel = function (name, focusTitle) {
    const panel = B.$("panel");
    const view = B.$(`panel-${name}`);
    if (!view) return;
    for (const other of panel.querySelectorAll(".panel-view")) other.hidden = other !== view;
    setTitle(view);
    panel.hidden = false;
    panel.setAttribute("data-view", name);
    document.body.classList.add("panel-open");
    current = name;
    setExpanded(name);
    B.map.invalidateSize();
    B.emit("panel", name);
    if (focusTitle !== false) B.$("panel-title").focus();
  };

  B.closePanel = function (returnFocus) {
    B.$("panel").hidden = true;
    document.body.classList.remove("panel-open");
    current = null;
    setExpanded(null);
    B.map.invalidateSize();
    if (returnFocus !== false && opener && document.contains(opener)) opener.focus();
  };

  /* Pixels of the map hidden by the panel when it lies over the map (phones), for fitBounds padding. */
  B.panelCover = function () {
    const panel = B.$("panel");
    if (panel.hidden) return 0;
    const map = B.map.getContainer().getBoundingClientRect();
    const box = panel.getBoundingClientRect();
    const overlap = Math.min(map.bottom, box.bottom) - Math.max(map.top, box.top);
    return box.left < map.left + 10 && box.right > map.right - 10 ? Math.max(0, overlap) : 0;
  };

  /* Details in the panel: a title and DOM nodes (never markup built from data). */
  B.showDetail = function (title, nodes) {
    const view = B.$("panel-detail");
    view.setAttribute("data-title", B.N_("Details"));
    B.$("detail-body").replaceChildren(B.el("h3", { text: title }), ...[].concat(nodes));
    B.openPanel("detail");
  };

  B.initPanels = function () {
    for (const trigger of document.querySelectorAll("[data-open-panel]")) {
      trigger.addEventListener("click", (event) => {
        event.preventDefault();
        const name = trigger.getAttribute("data-open-panel");
        opener = trigger.classList.contains("skip-link") ? null : trigger;
        if (current === name && trigger.closest(".actions")) B.closePanel();
        else B.openPanel(name);
      });
    }
    B.$("panel-close").addEventListener("click", () => B.closePanel());
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      if (B.isPicking()) B.$("pick-cancel").click();
      else if (current && !document.querySelector(".leaflet-popup")) B.closePanel();
    });
    B.on("language", () => {
      if (current) setTitle(B.$(`panel-${current}`));
    });
  };
})();
