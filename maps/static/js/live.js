/* Live updates over /api/events (Server-Sent Events): shelters, gauges, orders and alerts change without a reload. */
(function () {
  "use strict";
  const B = window.Bosai;
  const SHELTER_KINDS = ["shelter.status", "shelter.occupancy", "shelter.updated"];
  const STATION_KINDS = ["station.level", "station.state", "station.stale", "station.online", "station.offline", "station.rate"];
  const ORDER_KINDS = ["order.issued", "order.lifted", "order.updated", "order.cancelled"];
  const ALERT_KINDS = ["alert.sent", "alert.updated", "alert.cancelled", "alert.expired"];
  /* Several order or alert events in a burst cause one reload of the current list. */
  const RELOAD_DELAY_MS = 300;
  let source = null;

  function payload(event) {
    try {
      const envelope = JSON.parse(event.data);
      return envelope && envelope.data !== undefined ? envelope.data : envelope;
    } catch (error) {
      return null;
    }
  }

  async function refreshShelter(state) {
    if (B.updateShelter(state)) return;
    const template = B.api("shelter");
    if (!template || state.id === undefined) return;
    const { data } = await B.getJSON(template.replace(/\{[^}]*\}/, encodeURIComponent(state.id)));
    const props = data.properties || data;
    const known = B.shelters.get(String(props.id));
    if (known) B.updateShelter(props);
  }

  const reloadOrders = B.debounce(() => B.loadOrders().catch(B.report), RELOAD_DELAY_MS);

  B.initLive = function () {
    const url = B.api("events");
    if (!url || !("EventSource" in window)) return;
    source = new EventSource(url);
    source.addEventListener("open", () => B.setLive(true));
    source.addEventListener("error", () => B.setLive(false));
    for (const kind of SHELTER_KINDS) {
      source.addEventListener(kind, (event) => {
        const state = payload(event);
        if (state) Promise.resolve(B.sheltersLoaded).then(() => refreshShelter(state)).catch(B.report);
      });
    }
    for (const kind of STATION_KINDS) source.addEventListener(kind, () => B.refreshGauges && B.refreshGauges());
    for (const kind of ORDER_KINDS.concat(ALERT_KINDS)) source.addEventListener(kind, reloadOrders);
    window.addEventListener("pagehide", () => source && source.close());
  };
})();
