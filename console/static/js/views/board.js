// Situation board: gauges, station events, orders, alerts and offline signs, live over /api/events.
// Each panel is a component of views/board/; this screen lays them out, holds their data and wires the stream.

import { panel } from "../common.js";
import { debounce, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { alertsPanel } from "./board/alerts.js";
import { eventsPanel } from "./board/events.js";
import { gaugesPanel } from "./board/gauges.js";
import { boardMap } from "./board/map.js";
import { ordersPanel } from "./board/orders.js";
import { signsPanel } from "./board/signs.js";
import { summaryPanel } from "./board/summary.js";

export { gaugeOf } from "./board/gauges.js";

const RELOAD_MS = 800;

export async function render(root, ctx) {
  const { api } = ctx;
  ctx.alarm.acknowledge();
  // What the summary and the map are drawn from; orders and alerts stay null until read.
  const data = { shelters: [], gauges: [], orders: null, alerts: null };
  const summary = summaryPanel(ctx);
  const map = boardMap(ctx, data);
  const gauges = gaugesPanel(ctx);
  const events = eventsPanel(ctx);
  const orders = ordersPanel(ctx);
  const alerts = alertsPanel(ctx);
  const signs = signsPanel(ctx);

  replace(
    root,
    h("div", { class: "view-head" }, h("h1", {}, t("nav.board")), h("p", { class: "hint" }, t("board.live_hint"))),
    h(
      "div",
      { class: "grid board" },
      panel(t("board.summary"), summary.el),
      map.el,
      panel(t("board.gauges"), gauges.el),
      panel(t("board.events"), events.el),
      panel(t("board.orders"), orders.el),
      panel(t("board.alerts"), alerts.el),
      panel(t("board.signs"), signs.el),
    ),
  );

  async function loadShelters() {
    if (!api.has("shelters")) return;
    try {
      data.shelters = (await api.get("shelters")).features || [];
    } catch {
      data.shelters = [];
    }
    summary.draw(data);
    map.draw();
  }

  async function loadGauges() {
    const items = await gauges.load();
    if (!items) return;
    data.gauges = items;
    map.draw();
  }

  async function loadOrders() {
    const list = await orders.load();
    if (!list) return;
    data.orders = list;
    summary.draw(data);
    map.draw();
  }

  async function loadAlerts() {
    const list = await alerts.load();
    if (!list) return;
    data.alerts = list;
    summary.draw(data);
  }

  const reloadOrders = debounce(loadOrders, RELOAD_MS);
  const reloadAlerts = debounce(loadAlerts, RELOAD_MS);
  const reloadGauges = debounce(loadGauges, RELOAD_MS * 4);
  const reloadShelters = debounce(loadShelters, RELOAD_MS * 2);

  function onEvent(event) {
    events.record(event);
    if (event.kind.startsWith("station")) {
      events.draw();
      reloadGauges();
    } else if (event.kind.startsWith("order")) {
      events.draw();
      reloadOrders();
    } else if (event.kind.startsWith("alert") || event.kind.startsWith("delivery")) {
      events.draw();
      reloadAlerts();
    } else if (event.kind.startsWith("shelter")) {
      if (event.kind === "shelter.status") events.draw();
      reloadShelters();
    } else if (event.kind.startsWith("signage")) signs.load();
  }

  const off = ctx.live ? ctx.live.on(onEvent) : null;
  const offState = ctx.live ? ctx.live.onState(() => events.draw()) : null;

  events.draw();
  summary.draw(data);
  await Promise.all([map.setup(), loadShelters(), loadGauges(), loadOrders(), loadAlerts(), signs.load()]);
  return () => {
    if (off) off();
    if (offState) offState();
    map.remove();
  };
}
