/* "Notify me": Web Push for up to 3 places, chosen languages and dangers (the alert engine's subscription API). */
(function () {
  "use strict";
  const B = window.Bosai;
  const N_ = B.N_;
  const MAX_PLACES = 3;
  const RADIUS_M = 500;
  const HISTORY_CACHE = "bosai-push-history";
  const HISTORY_KEY = "/__bosai/push-history";

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function places() {
    return B.store.get("notify.places", []);
  }

  function setStatus(msgid, values) {
    B.$("notify-status").textContent = msgid ? B.t(msgid, values) : "";
  }

  function placeLabel(p) {
    const area = B.areaAt(p.lat, p.lon);
    return area ? B.placeName(area) : `${p.lat.toFixed(4)}, ${p.lon.toFixed(4)}`;
  }

  function renderPlaces() {
    const list = B.$("notify-places");
    list.innerHTML = "";
    const items = places();
    items.forEach((p, index) => {
      const remove = B.el("button", { type: "button", class: "btn btn--small", text: B.t("Remove"), "aria-label": B.t("Remove {place}", { place: placeLabel(p) }) });
      remove.addEventListener("click", () => {
        const next = places();
        next.splice(index, 1);
        B.store.set("notify.places", next);
        renderPlaces();
      });
      list.append(B.el("li", { class: "place-item" }, [B.el("span", { text: B.t("Within {m} m of {place}", { m: RADIUS_M, place: placeLabel(p) }) }), " ", remove]));
    });
    if (!items.length) list.append(B.el("li", { class: "hint", text: B.t("No place yet. Add at least one.") }));
    const full = items.length >= MAX_PLACES;
    B.$("notify-add-here").disabled = full;
    B.$("notify-add-centre").disabled = full;
  }

  function addPlace(lat, lon) {
    const items = places();
    if (items.length >= MAX_PLACES) return;
    items.push({ lat: Number(lat.toFixed(5)), lon: Number(lon.toFixed(5)) });
    B.store.set("notify.places", items);
    renderPlaces();
  }

  function keyBytes(base64url) {
    const padded = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function checked(name) {
    return [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
  }

  async function subscribe(event) {
    event.preventDefault();
    const chosen = places();
    const languages = checked("notify-lang");
    if (!chosen.length) return setStatus(N_("Please add at least one place."));
    if (!languages.length) return setStatus(N_("Please choose at least one language."));
    const permission = await Notification.requestPermission();
    if (permission !== "granted") return setStatus(N_("Notifications are blocked in this browser's settings."));
    setStatus(N_("Turning on…"));
    try {
      const keyResponse = await fetch(B.api("webpush_key"));
      if (!keyResponse.ok) return setStatus(N_("Notifications are not set up on this server yet."));
      const { publicKey } = await keyResponse.json();
      const registration = await navigator.serviceWorker.ready;
      const subscription =
        (await registration.pushManager.getSubscription()) ||
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
      const body = {
        subscription: subscription.toJSON(),
        languages,
        hazards: checked("notify-hazard"),
        places: chosen.map((p) => ({ lat: p.lat, lon: p.lon, radius_m: RADIUS_M })),
      };
      const response = await fetch(B.api("webpush"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!response.ok) return setStatus(N_("The server did not accept the request. Please try again later."));
      B.store.set("notify.on", true);
      setStatus(N_("Notifications are on."));
      B.$("notify-off").hidden = false;
    } catch (error) {
      B.report(error);
      setStatus(N_("Notifications could not be turned on. Please try again later."));
    }
  }

  async function unsubscribe() {
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        const url = B.api("webpush_delete");
        if (url) await fetch(`${url}?endpoint=${encodeURIComponent(subscription.endpoint)}`, { method: "DELETE" });
        await subscription.unsubscribe();
      }
      B.store.set("notify.on", false);
      B.$("notify-off").hidden = true;
      setStatus(N_("Notifications are off."));
    } catch (error) {
      B.report(error);
      setStatus(N_("Notifications could not be turned off. Please try again later."));
    }
  }

  async function renderHistory() {
    const list = B.$("alert-history");
    const items = [];
    for (const a of B.alertHistory || []) items.push({ text: B.alertText(a), at: a.sent_at });
    if ("caches" in window) {
      try {
        const cached = await (await caches.open(HISTORY_CACHE)).match(HISTORY_KEY);
        if (cached) for (const p of await cached.json()) items.push({ text: [p.title, p.body].filter(Boolean).join(" "), at: p.at });
      } catch (error) {
        B.report(error);
      }
    }
    list.innerHTML = "";
    for (const item of items) {
      const when = B.parseTime(item.at);
      list.append(B.el("li", { text: when ? `${B.formatTime(when)} ${item.text}` : item.text }));
    }
    B.$("alert-history-section").hidden = items.length === 0;
  }

  B.initNotify = function () {
    if (!B.api("webpush") || !B.api("webpush_key")) return;
    B.$("notify-action").hidden = false;
    if (!supported()) {
      B.$("notify-unsupported").hidden = false;
      B.$("notify-form").hidden = true;
    }
    B.$("notify-off").hidden = !B.store.get("notify.on", false);
    B.$("notify-add-here").addEventListener("click", () => B.locate((lat, lon) => addPlace(lat, lon), "notify-status"));
    B.$("notify-add-centre").addEventListener("click", () => {
      const c = B.map.getCenter();
      addPlace(c.lat, c.lng);
    });
    B.$("notify-form").addEventListener("submit", subscribe);
    B.$("notify-off").addEventListener("click", unsubscribe);
    B.on("panel", (name) => {
      if (name === "notify") {
        renderPlaces();
        renderHistory();
      }
    });
    B.on("language", renderPlaces);
  };
})();
