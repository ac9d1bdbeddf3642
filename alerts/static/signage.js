// The full-screen sign: follows /signage/{id}/events, rotates languages, reports a lost connection.
"use strict";
const params = new URLSearchParams(location.search);
const ROTATE_MS = Number(params.get("rotate_ms")) || 8000, STALE_MS = Number(params.get("stale_ms")) || 12000;
const HEARTBEAT_MS = 30000;
/* Per language: its name, the calm screen, the shelter hint, the lost-connection banner (hub/locales, alerts domain). */
const TEXT = JSON.parse(document.documentElement.dataset.texts);
const token = params.get("token") || "";
const base = location.pathname.replace(/\/$/, "");
let state = null, index = 0, lastOk = Date.now(), source = null;

function hhmm(ms) { const d = new Date(ms); return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0"); }
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

function render() {
  if (!state) return;
  const langs = state.device.languages.length ? state.device.languages : ["ja"];
  const lang = langs[index % langs.length];
  document.documentElement.lang = lang;
  const text = TEXT[lang] || TEXT.ja;
  document.getElementById("lang").textContent = text.label;
  const content = document.getElementById("content");
  content.replaceChildren();
  if (!state.alerts.length) {
    const calm = el("div"); calm.id = "calm"; calm.appendChild(el("h1", "", text.calm)); content.appendChild(calm);
  }
  for (const a of state.alerts) {
    const m = a.messages[lang] || a.messages.ja || Object.values(a.messages)[0];
    if (!m) continue;
    const box = el("div", "alert level-" + (a.level || 0));
    box.dataset.alertId = a.id;
    if (a.level) box.appendChild(el("div", "badge", "警戒レベル " + a.level + " / Level " + a.level));
    box.appendChild(el("h1", "", m.title)); box.appendChild(el("p", "", m.body));
    content.appendChild(box);
  }
  const side = document.getElementById("side");
  side.replaceChildren();
  if (state.shelter) {
    side.appendChild(el("div", "hint", text.go));
    const qr = el("div", "qr"); qr.innerHTML = state.shelter.qr; side.appendChild(qr);
    side.appendChild(el("div", "name", (lang === "en" && state.shelter.name_en) || state.shelter.name));
    side.appendChild(el("div", "hint", state.shelter.distance_m + " m"));
  }
}

function alive() { lastOk = Date.now(); document.getElementById("offline").style.display = "none"; }
function checkStale() {
  if (Date.now() - lastOk > STALE_MS) {
    const banner = document.getElementById("offline");
    banner.textContent = TEXT.ja.lost.replace("{time}", hhmm(lastOk)) + " / " + TEXT.en.lost.replace("{time}", hhmm(lastOk));
    banner.style.display = "block";
  }
}
function connect() {
  if (source) source.close();
  source = new EventSource(base + "/events?token=" + encodeURIComponent(token));
  source.addEventListener("state", (ev) => { state = JSON.parse(ev.data); alive(); render(); });
  source.addEventListener("tick", alive);
  source.onerror = () => { checkStale(); };
}
function heartbeat() { fetch(base + "/heartbeat?token=" + encodeURIComponent(token), {method: "POST"}).then((r) => { if (r.ok) alive(); }).catch(checkStale); }

connect();
setInterval(() => { index += 1; render(); }, ROTATE_MS);
setInterval(checkStale, 1000);
setInterval(heartbeat, HEARTBEAT_MS);
setInterval(() => { if (!source || source.readyState === EventSource.CLOSED) connect(); }, 5000);
