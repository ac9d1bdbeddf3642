/* Shared helpers of the map: namespace, DOM, events, geometry, storage. */
(function () {
  "use strict";
  const B = (window.Bosai = window.Bosai || {});
  const boot = JSON.parse(document.getElementById("boot").textContent);
  B.boot = boot;
  B.cfg = boot.config;
  B.state = {
    hazard: "all",
    point: null, // {lat, lon, source}
    online: navigator.onLine,
  };
  const STORAGE_PREFIX = "bosai.";
  const EARTH_RADIUS_M = 6371008.8;
  /* Straight-line walking speed used for "about N minutes" (slow, for elderly residents): metres per minute. */
  B.WALK_M_PER_MIN = 60;

  /* Marks a string for translation where it is looked up later (gettext's N_). */
  B.N_ = (msgid) => msgid;

  B.api = function (name) {
    return (B.cfg.endpoints && B.cfg.endpoints[name]) || null;
  };

  B.el = function (tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "text") node.textContent = value;
        else if (key === "html") node.innerHTML = value;
        else if (key === "rich") node.append(...B.richNodes(value));
        else if (key === "class") node.className = value;
        else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  B.$ = (id) => document.getElementById(id);

  B.escape = function (text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  };

  const listeners = {};
  B.on = function (name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
  };
  B.emit = function (name, detail) {
    for (const fn of listeners[name] || []) {
      try {
        fn(detail);
      } catch (error) {
        B.report(error);
      }
    }
  };
  /* Problems are shown in the status line for people; developers find them with the debugger. */
  B.problems = [];
  B.report = function (error) {
    B.problems.push(String((error && error.message) || error));
  };

  B.store = {
    get(key, fallback) {
      try {
        const raw = localStorage.getItem(STORAGE_PREFIX + key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (error) {
        return fallback;
      }
    },
    set(key, value) {
      try {
        localStorage.setItem(STORAGE_PREFIX + key, JSON.stringify(value));
      } catch (error) {
        /* private mode or full storage: settings are simply not remembered */
      }
    },
  };

  B.distanceM = function (lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180;
    const dLat = (lat2 - lat1) * rad;
    const dLon = (lon2 - lon1) * rad;
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  };

  B.bearingDeg = function (lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180;
    const y = Math.sin((lon2 - lon1) * rad) * Math.cos(lat2 * rad);
    const x = Math.cos(lat1 * rad) * Math.sin(lat2 * rad) - Math.sin(lat1 * rad) * Math.cos(lat2 * rad) * Math.cos((lon2 - lon1) * rad);
    return (Math.atan2(y, x) / rad + 360) % 360;
  };

  B.COMPASS = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"];
  B.compass = function (deg) {
    return B.COMPASS[Math.round(deg / 45) % 8];
  };

  /* Work in flight (debounced redraws, fetches): Bosai.idle() tells tests and screenshots the map has settled. */
  let pending = 0;
  B.track = function (promise) {
    pending += 1;
    return Promise.resolve(promise).finally(() => {
      pending -= 1;
    });
  };
  B.idle = function () {
    const map = B.map;
    return pending === 0 && Boolean(map) && !map._animatingZoom && !B.moving;
  };

  B.debounce = function (fn, ms) {
    let timer = null;
    let done = null;
    return function (...args) {
      clearTimeout(timer);
      if (!done) {
        let finish;
        B.track(new Promise((resolve) => (finish = resolve)));
        done = finish;
      }
      timer = setTimeout(() => {
        const finish = done;
        done = null;
        let result;
        try {
          result = fn.apply(this, args);
        } finally {
          Promise.resolve(result).catch(() => {}).finally(finish);
        }
      }, ms);
    };
  };

  B.parseTime = function (value) {
    if (!value) return null;
    const date = new Date(value);
    return isNaN(date.getTime()) ? null : date;
  };
})();
