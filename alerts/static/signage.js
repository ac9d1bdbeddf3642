// The full-screen sign: follows /signage/{id}/events, rotates languages, reports a lost connection.
"use strict";
const params = new URLSearchParams(location.search);
const ROTATE_MS = Number(params.get("rotate_ms")) || 8000, STALE_MS = Number(params.get("stale_ms")) || 12000;
const HEARTBEAT_MS = 30000;
const LABELS = {"ja": "日本語", "ja-easy": "やさしいにほんご", "en": "English", "zh-Hans": "简体中文", "ko": "한국어"};
const CALM = {"ja": "現在、この地域に避難情報はありません", "ja-easy": "いま、ひなんの じょうほうは ありません",
  "en": "No alerts for this area", "zh-Hans": "本地区目前没有避难信息", "ko": "현재 이 지역에 대피 정보가 없습니다"};
const GO = {"ja": "近くの開設中の避難所", "ja-easy": "ちかくの ひなんじょ", "en": "Nearest open shelter",
  "zh-Hans": "附近开放的避难所", "ko": "가까운 개설 대피소"};
const LOST = {"ja": "接続が切れています（最終接続 ", "en": "no connection since "};
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
  document.getElementById("lang").textContent = LABELS[lang] || lang;
  const content = document.getElementById("content");
  content.replaceChildren();
  if (!state.alerts.length) {
    const calm = el("div"); calm.id = "calm"; calm.appendChild(el("h1", "", CALM[lang] || CALM.ja)); content.appendChild(calm);
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
    side.appendChild(el("div", "hint", GO[lang] || GO.ja));
    const qr = el("div", "qr"); qr.innerHTML = state.shelter.qr; side.appendChild(qr);
    side.appendChild(el("div", "name", (lang === "en" && state.shelter.name_en) || state.shelter.name));
    side.appendChild(el("div", "hint", state.shelter.distance_m + " m"));
  }
}

function alive() { lastOk = Date.now(); document.getElementById("offline").style.display = "none"; }
function checkStale() {
  if (Date.now() - lastOk > STALE_MS) {
    const banner = document.getElementById("offline");
    banner.textContent = LOST.ja + hhmm(lastOk) + "） / " + LOST.en + hhmm(lastOk);
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
