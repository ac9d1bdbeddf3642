/* Network: JSON reads with a timeout, last known data kept in Cache Storage, the "data from HH:MM" line. */
(function () {
  "use strict";
  const B = window.Bosai;
  const DATA_CACHE = "bosai-data-v2";
  /* A request slower than this is abandoned; the service worker answers from its cache sooner. */
  const NETWORK_TIMEOUT_MS = 15000;
  const STATUS_REFRESH_MS = 30000;
  const status = { fetchedAt: null, fromCache: false, live: false, loading: true };

  async function stampAndKeep(url, response) {
    if (!("caches" in window) || (navigator.serviceWorker && navigator.serviceWorker.controller)) return;
    try {
      const headers = new Headers(response.headers);
      headers.set("x-bosai-fetched-at", new Date().toISOString());
      const body = await response.blob();
      const cache = await caches.open(DATA_CACHE);
      await cache.put(url, new Response(body, { status: response.status, headers }));
    } catch (error) {
      /* storage full or unavailable: only the offline copy is lost */
    }
  }

  async function fromCacheStorage(url) {
    if (!("caches" in window)) return null;
    const cache = await caches.open(DATA_CACHE);
    return (await cache.match(url)) || null;
  }

  /* GET a JSON document; resolves to {data, fetchedAt, fromCache}; rejects when neither network nor cache has it. */
  B.getJSON = function (url) {
    return B.track(getJSON(url));
  };

  async function getJSON(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), NETWORK_TIMEOUT_MS);
    let response = null;
    try {
      response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json, application/geo+json" } });
    } catch (error) {
      response = await fromCacheStorage(url);
      if (!response) throw error;
      response = new Response(response.body, { status: 200, headers: new Headers([...response.headers, ["x-bosai-from-cache", "1"]]) });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const fromCache = response.headers.get("x-bosai-from-cache") === "1";
    const fetchedAt = B.parseTime(response.headers.get("x-bosai-fetched-at")) || new Date();
    if (!fromCache) stampAndKeep(url, response.clone());
    const data = await response.json();
    B.noteData(fetchedAt, fromCache);
    return { data, fetchedAt, fromCache };
  }

  B.noteData = function (fetchedAt, fromCache) {
    status.loading = false;
    if (fromCache) {
      status.fromCache = true;
      if (!status.fetchedAt || fetchedAt < status.fetchedAt) status.fetchedAt = fetchedAt;
    } else {
      if (status.fromCache) status.fetchedAt = null;
      status.fromCache = false;
      status.fetchedAt = fetchedAt;
    }
    render();
  };

  B.setLive = function (live) {
    status.live = live;
    if (live) {
      status.fromCache = false;
      status.fetchedAt = new Date();
    }
    render();
  };

  function render() {
    const box = B.$("net-status");
    const text = B.$("net-status-text");
    if (!box || !text) return;
    const offline = status.fromCache || !navigator.onLine;
    box.classList.toggle("net-status--offline", offline);
    box.classList.toggle("net-status--live", !offline && status.live);
    text.removeAttribute("data-i18n");
    if (status.loading) {
      text.innerHTML = B.th("Loading…");
    } else if (offline) {
      const when = status.fetchedAt || new Date();
      text.innerHTML = B.th("No connection. Showing saved data from {time} ({ago}).", { time: B.formatTime(when), ago: B.ago(when) });
    } else if (status.live) {
      text.innerHTML = B.th("Live. Updated {time}.", { time: B.formatTime(new Date()) });
    } else {
      text.innerHTML = B.th("Updated {time}.", { time: B.formatTime(status.fetchedAt || new Date()) });
    }
  }

  B.renderStatus = render;
  window.addEventListener("online", render);
  window.addEventListener("offline", render);
  B.on("language", render);
  setInterval(render, STATUS_REFRESH_MS);
})();
