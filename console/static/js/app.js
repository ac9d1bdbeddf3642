// The console shell: boot, session, role-aware navigation, hash routes, dialogs and notices.

import { Api } from "./api.js";
import { h, replace } from "./dom.js";
import { LANGS, currentLang, loadLang, preferredLang, setLanguages, t, tOr } from "./i18n.js";
import { Alarm, Live, eventLevel } from "./live.js";
import { renderLogin } from "./views/login.js";

const TOKEN_KEY = "bosai.console.token";
const LINK_PATH = /^\/staff\/s\/([^/]+)$/;
const BANNER_MS = 8000;

const ROUTES = [
  { name: "board", re: /^\/board$/, perm: "staff.read", load: () => import("./views/board.js"), nav: "board" },
  { name: "shelters", re: /^\/shelters$/, perm: "staff.read", load: () => import("./views/shelters.js"), nav: "shelters" },
  { name: "shelter", re: /^\/shelters\/(\d+)$/, perm: "staff.read", load: () => import("./views/shelter.js"), nav: "shelters" },
  { name: "orders", re: /^\/orders$/, perm: "staff.read", load: () => import("./views/orders.js"), nav: "orders" },
  { name: "order_new", re: /^\/orders\/new$/, perm: "order.draft", load: () => import("./views/order_new.js"), nav: "orders" },
  { name: "order_edit", re: /^\/orders\/(\d+)\/edit$/, perm: "order.draft", load: () => import("./views/order_new.js"), nav: "orders" },
  { name: "order", re: /^\/orders\/(\d+)$/, perm: "staff.read", load: () => import("./views/order.js"), nav: "orders" },
  { name: "alerts", re: /^\/alerts$/, perm: "staff.read", load: () => import("./views/alerts.js"), nav: "alerts" },
  { name: "alert", re: /^\/alerts\/(\d+)$/, perm: "staff.read", load: () => import("./views/alert.js"), nav: "alerts" },
  { name: "data", re: /^\/data$/, perm: "data.import", load: () => import("./views/data.js"), nav: "data" },
  { name: "audit", re: /^\/audit$/, perm: "audit.read", load: () => import("./views/audit.js"), nav: "audit" },
];
const NAV = ["board", "shelters", "orders", "alerts", "data", "audit"];
const NAV_PERM = { board: "staff.read", shelters: "staff.read", orders: "staff.read", alerts: "staff.read", data: "data.import", audit: "audit.read" };

const main = document.getElementById("main");
const nav = document.getElementById("mainnav");
const tools = document.getElementById("topbar-tools");
const banner = document.getElementById("banner");
const dialog = document.getElementById("dialog");
const announcer = document.getElementById("announcer");

const ctx = {
  config: null,
  api: null,
  live: null,
  alarm: null,
  me: null,
  linkMode: false,
  cleanup: null,
  can(permission) {
    if (!this.me) return false;
    const allowed = this.config.permissions[permission] || [];
    return this.me.roles.some((role) => allowed.includes(role));
  },
  mayUpdateShelter(id) {
    if (!this.me) return false;
    if (this.me.link_shelter_id !== null && this.me.link_shelter_id !== undefined) return this.me.link_shelter_id === id;
    if (this.can("shelter.update_any")) return true;
    return this.can("shelter.update_assigned") && this.me.shelter_ids.includes(id);
  },
  navigate(route) {
    if (location.hash === `#${route}`) render();
    else location.hash = route;
  },
  notify(message, kind = "info", onDismiss = null) {
    const dismiss = () => {
      banner.hidden = true;
      if (onDismiss) onDismiss();
    };
    replace(
      banner,
      h("span", { class: "banner-text" }, message),
      h("button", { type: "button", class: "link-button", onclick: dismiss }, kind === "alarm" ? t("alarm.acknowledge") : t("common.dismiss")),
    );
    banner.className = `banner banner-${kind}`;
    banner.hidden = false;
    clearTimeout(ctx.bannerTimer);
    if (kind !== "error" && kind !== "alarm") ctx.bannerTimer = setTimeout(() => (banner.hidden = true), BANNER_MS);
  },
  announce(message) {
    announcer.textContent = "";
    setTimeout(() => (announcer.textContent = message), 50);
  },
  confirm({ title, body, confirmLabel, danger = false }) {
    return new Promise((resolve) => {
      const done = (answer) => {
        dialog.close();
        resolve(answer);
      };
      const ok = h("button", { type: "button", class: danger ? "btn btn-danger btn-big" : "btn btn-primary btn-big", onclick: () => done(true) }, confirmLabel);
      replace(
        dialog,
        h("h2", { id: "dialog-title" }, title),
        body ? h("div", { class: "dialog-body" }, body) : null,
        h("div", { class: "dialog-actions" }, ok, h("button", { type: "button", class: "btn btn-big", onclick: () => done(false) }, t("common.cancel"))),
      );
      dialog.onclose = () => resolve(false);
      dialog.showModal();
      ok.focus();
    });
  },
  problemText(err) {
    if (!err) return "";
    if (err.status === 0) return t("error.network");
    const fields = (err.fieldErrors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    const base = { 401: t("error.401"), 403: t("error.403"), 404: t("error.404"), 409: t("error.409"), 412: t("error.412"), 428: t("error.412") }[err.status];
    const detail = err.message && err.message !== base ? err.message : "";
    return [base || t("error.generic", { status: err.status }), fields || detail].filter(Boolean).join(" — ");
  },
};

function unavailable(what) {
  return h("div", { class: "notice notice-unavailable", role: "note" }, h("strong", {}, t("common.unavailable")), " ", what);
}
ctx.unavailable = unavailable;

function setToken(token) {
  ctx.api.token = token;
  if (!ctx.linkMode) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }
}

function logout(message) {
  setToken(null);
  ctx.me = null;
  if (ctx.live) ctx.live.stop();
  ctx.live = null;
  if (ctx.cleanup) ctx.cleanup();
  ctx.cleanup = null;
  nav.hidden = true;
  renderTools();
  if (ctx.linkMode) {
    replace(main, h("div", { class: "panel" }, h("h1", {}, t("link.expired.title")), h("p", {}, t("link.expired.body"))));
    return;
  }
  showLogin(message);
}

// The logout button: the hub revokes the token (so a copy of it stops working too), then the page forgets it.
async function signOut() {
  const path = ctx.api.path("logout");
  if (path && ctx.api.token) {
    try {
      await ctx.api.request("POST", path);
    } catch (err) {
      // Already expired or the hub unreachable: the page forgets the token either way.
    }
  }
  logout(t("login.logged_out"));
}

function showLogin(message) {
  document.title = t("app.title");
  renderLogin(main, ctx, {
    message,
    onLogin: async (token) => {
      ctx.alarm.unlock();
      setToken(token);
      await startSession();
      if (!location.hash || location.hash === "#/") location.hash = "/board";
      else render();
    },
  });
}

async function startSession() {
  ctx.me = await ctx.api.get("me");
  ctx.live = new Live(ctx.api.path("events"));
  ctx.live.on((event) => {
    if (!ctx.alarm.check(event)) return;
    const text = t("alarm.new", { level: eventLevel(event), kind: tOr(`event.${event.kind}`, event.kind) });
    ctx.announce(text);
    ctx.notify(text, "alarm", () => ctx.alarm.acknowledge());
  });
  ctx.live.onState(renderLiveState);
  ctx.live.start();
  renderTools();
  renderNav();
}

function renderLiveState(state) {
  const el = document.getElementById("live-state");
  if (!el) return;
  el.className = `live live-${state}`;
  el.title = t(`live.${state}`);
  replace(el, h("span", { class: "live-text" }, t(`live.${state}`)));
}

function renderTools() {
  const langSelect = h(
    "select",
    { id: "lang", "aria-label": t("common.language"), onchange: async (e) => {
      await loadLang(e.target.value, ctx.config.version);
      document.getElementById("brand-name").textContent = t("app.title");
      renderTools();
      renderNav();
      if (ctx.me) render();
      else if (!ctx.linkMode) showLogin();
    } },
    LANGS.map(([code, name]) => {
      const opt = h("option", { value: code }, name);
      if (code === currentLang()) opt.selected = true;
      return opt;
    }),
  );
  const parts = [];
  if (ctx.me) {
    parts.push(h("span", { id: "live-state", class: "live", role: "status" }));
    const mute = h(
      "button",
      { type: "button", class: "tool-button", "aria-pressed": String(!ctx.alarm.muted), onclick: () => {
        ctx.alarm.unlock();
        ctx.alarm.setMuted(!ctx.alarm.muted);
        renderTools();
      } },
      h("span", { "aria-hidden": "true" }, ctx.alarm.muted ? "🔕" : "🔔"),
      h("span", { class: "tool-label" }, ctx.alarm.muted ? t("alarm.sound_off") : t("alarm.sound_on")),
    );
    parts.push(mute);
  }
  parts.push(langSelect);
  if (ctx.me && !ctx.linkMode) {
    parts.push(h("span", { class: "user", title: ctx.me.roles.join(", ") }, ctx.me.actor, h("span", { class: "roles" }, ctx.me.roles.map((r) => t(`role.${r}`)).join("・"))));
    parts.push(h("button", { type: "button", class: "tool-button", onclick: signOut }, t("login.logout")));
  }
  replace(tools, parts);
  if (ctx.live) renderLiveState(ctx.live.state);
}

function currentRoute() {
  const path = (location.hash || "#/board").slice(1) || "/board";
  for (const route of ROUTES) {
    const match = route.re.exec(path);
    if (match) return { route, params: match.slice(1) };
  }
  return null;
}

function renderNav() {
  if (ctx.linkMode || !ctx.me) {
    nav.hidden = true;
    return;
  }
  const found = currentRoute();
  const active = found ? found.route.nav : null;
  const items = NAV.filter((name) => ctx.can(NAV_PERM[name])).map((name) =>
    h("a", { href: `#/${name}`, class: "nav-item", "aria-current": name === active ? "page" : null }, t(`nav.${name}`)),
  );
  replace(nav, h("div", { class: "nav-inner" }, items));
  nav.hidden = false;
}

let renderSeq = 0;
async function render() {
  if (ctx.linkMode || !ctx.me) return;
  const seq = ++renderSeq;
  if (ctx.cleanup) ctx.cleanup();
  ctx.cleanup = null;
  renderNav();
  const found = currentRoute();
  if (!found) {
    location.hash = "/board";
    return;
  }
  if (!ctx.can(found.route.perm)) {
    replace(main, h("div", { class: "panel" }, h("h1", {}, t("error.403")), h("p", {}, t("error.role_needed"))));
    return;
  }
  const module = await found.route.load();
  if (seq !== renderSeq) return;
  document.title = ctx.alarm.unseen ? `(${ctx.alarm.unseen}) ${t("app.title")}` : t("app.title");
  const view = h("div", { class: `view view-${found.route.name}` });
  replace(main, view);
  main.setAttribute("aria-busy", "true"); // screen readers wait; tests wait for "false" before typing
  try {
    const cleanup = (await module.render(view, ctx, found.params)) || null;
    // A newer route started while this screen was still loading: its map and listeners go now, not never.
    if (seq === renderSeq) ctx.cleanup = cleanup;
    else if (cleanup) cleanup();
  } catch (err) {
    replace(view, h("div", { class: "notice notice-error", role: "alert" }, ctx.problemText(err)));
  }
  if (seq !== renderSeq) return;
  main.setAttribute("aria-busy", "false");
  if (ctx.focusMain) {
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  ctx.focusMain = true;
}

async function startLink(token) {
  ctx.linkMode = true;
  ctx.api.token = token;
  try {
    ctx.me = await ctx.api.get("me");
  } catch (err) {
    logout();
    return;
  }
  if (ctx.me.link_shelter_id === null || ctx.me.link_shelter_id === undefined) {
    replace(main, h("div", { class: "panel" }, h("h1", {}, t("link.expired.title")), h("p", {}, t("link.not_a_link"))));
    return;
  }
  ctx.live = new Live(ctx.api.path("events"));
  ctx.live.onState(renderLiveState);
  ctx.live.start();
  renderTools();
  const module = await import("./views/shelter.js");
  const view = h("div", { class: "view view-shelter view-link" });
  replace(main, view);
  ctx.cleanup = await module.render(view, ctx, [String(ctx.me.link_shelter_id)]);
}

async function boot() {
  const res = await fetch("/staff/config.json");
  ctx.config = await res.json();
  setLanguages(ctx.config);
  await loadLang(preferredLang(), ctx.config.version);
  document.getElementById("brand-name").textContent = t("app.title");
  document.querySelector(".skip").textContent = t("common.skip");
  ctx.api = new Api(ctx.config, { onUnauthorized: () => logout(t("login.expired")) });
  ctx.alarm = new Alarm(ctx.config.alarm_level, t("app.title"));
  document.addEventListener("pointerdown", () => ctx.alarm.unlock(), { once: true });
  window.addEventListener("focus", () => ctx.alarm.acknowledge());
  const link = LINK_PATH.exec(location.pathname);
  if (link) {
    await startLink(decodeURIComponent(link[1]));
    return;
  }
  window.addEventListener("hashchange", render);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    ctx.api.token = saved;
    try {
      await startSession();
      ctx.focusMain = false;
      await render();
      return;
    } catch {
      setToken(null);
    }
  }
  renderTools();
  showLogin();
}

boot().catch((err) => {
  replace(main, h("div", { class: "notice notice-error", role: "alert" }, `Console failed to start: ${err.message}`));
});
