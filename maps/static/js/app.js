/* Start-up: language, map, layers (shelters first), live updates, then the service worker for offline use. */
(function () {
  "use strict";
  const B = window.Bosai;
  /* The service worker's precache waits until the first view is done, so it never slows that view. */
  const SW_DELAY_MS = 1500;

  function restoreSettings() {
    const hazard = B.store.get("hazard", "all");
    B.state.hazard = B.cfg.hazard_options.includes(hazard) ? hazard : "all";
    for (const select of document.querySelectorAll(".hazard-select")) select.value = B.state.hazard;
    const basemap = B.store.get("basemap", "simple");
    if (basemap !== "simple" && navigator.onLine) {
      const radio = document.querySelector(`input[name="basemap"][value="${CSS.escape(basemap)}"]`);
      if (radio) {
        radio.checked = true;
        B.setBaseTiles(basemap);
      }
    }
  }

  function bindControls() {
    const languageSelect = B.$("lang-select");
    languageSelect.addEventListener("change", () => B.setLanguage(languageSelect.value).catch(B.report));
    for (const radio of document.querySelectorAll('input[name="basemap"]')) {
      radio.addEventListener("change", () => radio.checked && B.setBaseTiles(radio.value));
    }
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    const register = () => navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(B.report);
    setTimeout(register, SW_DELAY_MS);
  }

  async function main() {
    const wanted = B.store.get("lang", null);
    if (wanted && wanted !== B.lang && [...B.$("lang-select").options].some((o) => o.value === wanted)) {
      B.$("lang-select").value = wanted;
      await B.setLanguage(wanted).catch(B.report);
    }
    B.initMap();
    B.initPanels();
    B.initShelters();
    B.initWhere();
    B.initList();
    B.initNotify();
    bindControls();
    restoreSettings();
    B.sheltersLoaded = B.loadShelters();
    B.initLive();
    const results = await Promise.allSettled([
      B.sheltersLoaded,
      B.loadBaseMap(),
      B.initOrders(),
      B.initHistory(),
      B.initHazard(),
      B.initGauges(),
    ]);
    for (const result of results) if (result.status === "rejected") B.report(result.reason);
    if (B.store.get("hazard", null) === null && B.currentOrders().length) B.setHazard(B.currentOrders()[0].hazard);
    document.documentElement.setAttribute("data-ready", "1");
    B.renderStatus();
    B.emit("ready");
  }

  main().catch(B.report);
  if (document.readyState === "complete") registerServiceWorker();
  else window.addEventListener("load", registerServiceWorker);
})();
