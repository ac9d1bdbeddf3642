/* Bosai Hub map service worker: the app and base map offline, last known public data, web push.
   It serves the public map only: a request that carries Authorization (the staff console under the same
   scope) or asks for anything but an allow-listed public read passes straight to the network, never stored. */
"use strict";

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const APP_CACHE = "bosai-app-" + VERSION;
/* v1 stored every /api GET, staff answers too: activation deletes it. */
const DATA_CACHE = "bosai-data-v2";
/* Path templates of the public reads kept for offline use (maps.config.offline_paths). */
const OFFLINE_PATHS = __OFFLINE_PATHS__.map(
  (template) => new RegExp("^" + template.split(/\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^/]+") + "$")
);
const TILE_CACHE = "bosai-tiles-v1";
/* Give up on the network after this long and answer from the cache (a storm's bad connection). */
const NETWORK_TIMEOUT_MS = 4000;
/* Online map tiles kept for offline use (oldest dropped first). */
const MAX_TILES = 600;
const HISTORY_CACHE = "bosai-push-history";
const HISTORY_KEY = "/__bosai/push-history";
const MAX_HISTORY = 20;
const TILE_HOSTS = ["cyberjapandata.gsi.go.jp", "tile.openstreetmap.org", "disaportaldata.gsi.go.jp"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(APP_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => isOutdated(k)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function isOutdated(name) {
  return (name.startsWith("bosai-app-") && name !== APP_CACHE) || (name.startsWith("bosai-data-") && name !== DATA_CACHE);
}

/* A public read the map keeps offline: allow-listed path, no credentials. */
function isPublicRead(request, url) {
  return !request.headers.has("Authorization") && OFFLINE_PATHS.some((pattern) => pattern.test(url.pathname));
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); }
    );
  });
}

/* A copy of a response stamped with when it was fetched, for the page's "data from HH:MM". */
async function stamped(response, fromCache) {
  const headers = new Headers(response.headers);
  if (!headers.has("x-bosai-fetched-at")) headers.set("x-bosai-fetched-at", new Date().toISOString());
  if (fromCache) headers.set("x-bosai-from-cache", "1");
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) {
      const copy = await stamped(response.clone(), false);
      await cache.put(request, copy.clone());
      return copy;
    }
    return response;
  } catch (error) {
    const cached = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
    if (cached) return stamped(cached, true);
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(APP_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) {
      const cache = await caches.open(APP_CACHE);
      await cache.put("/", response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match("/", { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

async function tile(request) {
  const cache = await caches.open(TILE_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) await cache.delete(old);
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (TILE_HOSTS.includes(url.hostname)) event.respondWith(tile(request));
    return;
  }
  if (request.headers.has("Authorization") || url.pathname === "/sw.js") return;
  if (request.mode === "navigate" && url.pathname === "/") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/map/i18n/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/map/")) {
    event.respondWith(networkFirst(request, APP_CACHE));
  } else if (isPublicRead(request, url)) {
    event.respondWith(networkFirst(request, DATA_CACHE));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: event.data ? event.data.text() : "" };
  }
  const title = data.title || data.headline || "防災情報 / Alert";
  const options = {
    body: data.body || data.description || "",
    tag: data.tag || data.topic || data.identifier || undefined,
    renotify: Boolean(data.tag || data.topic),
    requireInteraction: Number(data.level || 0) >= 4,
    lang: data.lang || undefined,
    icon: "/static/icons/icon-192.png",
    data: { url: data.url || "/" },
  };
  event.waitUntil(Promise.all([self.registration.showNotification(title, options), remember(title, options.body)]));
});

/* Keep the last alerts received, for the map's "recent alerts" list. */
async function remember(title, body) {
  const cache = await caches.open(HISTORY_CACHE);
  const old = await cache.match(HISTORY_KEY);
  const items = old ? await old.json() : [];
  items.unshift({ title, body, at: new Date().toISOString() });
  const json = JSON.stringify(items.slice(0, MAX_HISTORY));
  await cache.put(HISTORY_KEY, new Response(json, { headers: { "Content-Type": "application/json" } }));
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      for (const client of clients) {
        if (client.url.startsWith(self.location.origin) && "focus" in client) {
          client.navigate(target);
          return client.focus();
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
