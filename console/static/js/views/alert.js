// One alert: decide (approve & send, hold, reject), update or cancel; messages, CAP and delivery progress.

import { alertStatusChip, areaNamesOf, empty, errorNotice, hazardLabel, joinList, levelBadge, panel } from "../common.js";
import { formatNumber, formatTime, h, replace, select } from "../dom.js";
import { currentLang, t, tOr } from "../i18n.js";
import { alertTitle } from "./alerts.js";
import { capPreview, messageTabs } from "./messages.js";

// While a fan-out has pending deliveries the panel re-reads its progress this often (and on live events).
const POLL_MS = 2000;
const DELIVERY_STATES = ["sent", "failed", "gone", "skipped", "pending"];
const BAR_STATES = ["sent", "failed", "gone", "pending"];
// status → [action, permission, style]
const NEXT = {
  draft: [["approve_send", "alert.approve", "btn-primary"], ["approve_hold", "alert.approve", ""], ["reject", "alert.reject", "btn-danger"]],
  approved: [["send", "alert.dispatch", "btn-primary"], ["update", "alert.update", ""], ["cancel", "alert.cancel", "btn-danger"]],
  sent: [["update", "alert.update", ""], ["cancel", "alert.cancel", "btn-danger"]],
};
const ENDPOINT = { approve_send: "alert_approve", approve_hold: "alert_approve", reject: "alert_reject", send: "alert_send", update: "alert_update", cancel: "alert_cancel" };

// Delivery counts per channel from GET /api/alerts/{id}/deliveries: {channels: {webpush: {sent, failed, pending,
// gone, total, first_at, last_at}}} (also accepted: a list of per-channel objects, or of {channel, status, count} rows).
export function deliveryCounts(data) {
  const out = {};
  const bucket = (channel) => (out[channel] ||= { sent: 0, failed: 0, pending: 0, gone: 0, skipped: 0, total: 0, first: null, last: null });
  const when = (b, key, value) => {
    if (!value) return;
    if (/^first/.test(key) && (!b.first || new Date(value) < new Date(b.first))) b.first = value;
    if (/^last/.test(key) && (!b.last || new Date(value) > new Date(b.last))) b.last = value;
  };
  const addCounts = (channel, counts) => {
    const b = bucket(channel);
    for (const [key, value] of Object.entries(counts)) {
      if (DELIVERY_STATES.includes(key) || key === "total") b[key] += Number(value) || 0;
      else when(b, key, value);
    }
  };
  const source = data && (data.channels || data.by_channel || data.progress || data);
  if (Array.isArray(source)) {
    for (const row of source) {
      if (!row || !row.channel) continue;
      if (row.status) addCounts(row.channel, { [row.status]: row.count ?? row.n ?? 1, first_at: row.first_at, last_at: row.last_at });
      else addCounts(row.channel, Object.fromEntries(Object.entries(row).filter(([k]) => k !== "channel")));
    }
  } else if (source && typeof source === "object") {
    for (const [channel, counts] of Object.entries(source)) if (counts && typeof counts === "object" && !Array.isArray(counts)) addCounts(channel, counts);
  }
  for (const b of Object.values(out)) b.total = Math.max(b.total, DELIVERY_STATES.reduce((sum, k) => sum + b[k], 0));
  return out;
}

// One channel's row: a stacked bar (patterned, with a text alternative) and the counts, share done and times in words.
function channelProgress(channel, c, lang) {
  const n = (v) => formatNumber(v, lang);
  const total = c.total || 1;
  const done = c.total - c.pending;
  const percent = Math.floor((100 * done) / total);
  const counts = t("alert.progress_counts", { sent: n(c.sent), failed: n(c.failed), pending: n(c.pending), gone: n(c.gone), total: n(c.total) });
  const times = [c.first ? t("alert.progress_first", { time: formatTime(c.first, lang) }) : null, c.last ? t("alert.progress_last", { time: formatTime(c.last, lang) }) : null].filter(Boolean).join(" ・ ");
  return h(
    "div",
    { class: "channel-progress", dataset: { channel, pending: String(c.pending) } },
    h("div", { class: "channel-progress-head" }, h("strong", {}, tOr(`channel.${channel}`, channel)), " ", h("span", { class: "chip" }, c.pending > 0 ? t("alert.progress_running", { percent }) : t("alert.progress_done"))),
    h(
      "div",
      { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(c.total), "aria-valuenow": String(done), "aria-valuetext": counts, "aria-label": tOr(`channel.${channel}`, channel) },
      BAR_STATES.map((s) => h("span", { class: s, style: { width: `${(100 * c[s]) / total}%` } })),
    ),
    h("p", { class: "counts", dataset: { counts: "" } }, counts),
    times ? h("p", { class: "hint" }, times) : null,
  );
}

export async function render(root, ctx, [idText]) {
  const { api, config } = ctx;
  const id = Number(idText);
  let alert = null;
  let areaNames = [];
  let pollTimer = null;

  const head = h("div", { class: "view-head" }, h("h1", {}, t("alert.title", { id })));
  const message = h("div", { class: "notice", role: "status", hidden: true });
  const actions = h("div", { class: "action-bar" });
  const updateBox = h("div");
  const summary = h("dl", { class: "facts" });
  const messages = h("div");
  const cap = h("div");
  const progress = h("div");
  let wasPending = false;

  replace(
    root,
    h("p", { class: "back" }, h("a", { href: "#/alerts" }, `← ${t("nav.alerts")}`)),
    head,
    message,
    panel(t("alert.decision"), actions, updateBox),
    h("div", { class: "two-col" }, h("div", {}, panel(t("alert.messages"), messages), panel(t("alert.progress"), progress)), h("div", {}, panel(t("alert.summary"), summary), panel(t("cap.title"), cap))),
  );

  function say(text, kind) {
    message.className = `notice notice-${kind}`;
    message.textContent = text;
    message.hidden = !text;
  }

  function drawSummary() {
    replace(head, h("h1", {}, alertTitle(alert)), h("div", { class: "action-bar" }, levelBadge(alert.level, config), alertStatusChip(alert.status)));
    const rows = [
      [t("alert.id"), `#${alert.id} (${alert.identifier})`],
      [t("alert.kind_label"), tOr(`alert.kind.${alert.kind}`, alert.kind)],
      [t("alert.msg_type_label"), t(`alert.msg_type.${alert.msg_type}`)],
      [t("order.hazard"), hazardLabel(alert.hazard)],
      [t("alert.cap_fields"), `${alert.urgency} / ${alert.severity} / ${alert.certainty}`],
      [t("alert.scope"), alert.scope],
      [t("order.areas"), joinList(areaNames.map((name, i) => (name === alert.area_codes[i] ? name : `${name} (${alert.area_codes[i]})`))) || "—"],
      [t("alert.references"), alert.references_id ? h("a", { href: `#/alerts/${alert.references_id}` }, `#${alert.references_id}`) : "—"],
      [t("alert.order"), alert.order_id ? h("a", { href: `#/orders/${alert.order_id}` }, `#${alert.order_id}`) : "—"],
      [t("alert.sent_at"), alert.sent_at ? formatTime(alert.sent_at, currentLang()) : "—"],
      [t("alert.expires_at"), alert.expires_at ? formatTime(alert.expires_at, currentLang()) : "—"],
      [t("alert.auto_send"), alert.auto_send ? t("common.yes") : t("common.no")],
    ];
    replace(summary, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  function drawActions() {
    const buttons = (NEXT[alert.status] || [])
      .filter(([action, permission]) => ctx.can(permission) && api.has(ENDPOINT[action]))
      .map(([action, , style]) => h("button", { type: "button", class: `btn btn-big ${style}`, dataset: { action }, onclick: () => (action === "update" ? showUpdate() : act(action)) }, t(`alert.action.${action}`)));
    const fallbacks = Object.keys(alert.fallbacks || {});
    replace(
      actions,
      fallbacks.length && alert.status === "draft" ? h("p", { class: "notice notice-warning" }, t("alert.fallback_warning", { langs: joinList(fallbacks.map((l) => tOr(`lang.${l}`, l))) })) : null,
      buttons.length ? buttons : h("p", { class: "hint" }, NEXT[alert.status] ? t("alert.approver_only") : t("alert.no_actions")),
    );
  }

  async function act(action, body) {
    const danger = action === "reject" || action === "cancel";
    const ok = await ctx.confirm({ title: t(`alert.confirm.${action}`), body: h("div", {}, levelBadge(alert.level, config), " ", alertTitle(alert), h("p", {}, t(`alert.confirm_body.${action}`))), confirmLabel: t(`alert.action.${action}`), danger });
    if (!ok) return;
    try {
      const json = action.startsWith("approve") ? { send: action === "approve_send" } : body;
      const res = await api.request("POST", api.path(ENDPOINT[action], id), { json });
      say(t(`alert.done.${action}`), "success");
      ctx.announce(t(`alert.done.${action}`));
      if (res.data && res.data.id && res.data.id !== id) ctx.navigate(`/alerts/${res.data.id}`);
      else await load();
    } catch (err) {
      say(ctx.problemText(err), "error");
    }
  }

  function showUpdate() {
    const level = select([["", t("alert.update_same_level")], ...[1, 2, 3, 4, 5].map((n) => [n, t("level.short", { n })])], "", { id: "upd-level" });
    const rows = config.alert_languages.map((lang) => {
      const m = (alert.messages || {})[lang] || {};
      const title = h("input", { type: "text", value: m.title || "", maxlength: 200, id: `upd-title-${lang}` });
      const body = h("textarea", { rows: 4, maxlength: 3000, id: `upd-body-${lang}` }, m.body || "");
      return { lang, title, body, fieldset: h("fieldset", {}, h("legend", {}, tOr(`lang.${lang}`, lang)), h("label", { for: title.id }, t("alert.update_title")), title, h("label", { for: body.id }, t("alert.update_body")), body) };
    });
    const form = h(
      "form",
      { class: "update-form" },
      h("h3", {}, t("alert.update_heading")),
      h("p", { class: "hint" }, t("alert.update_hint")),
      h("div", { class: "field" }, h("label", { for: "upd-level" }, t("order.level")), level),
      rows.map((r) => r.fieldset),
      h("div", { class: "action-bar" }, h("button", { type: "submit", class: "btn btn-primary btn-big" }, t("alert.action.update")), h("button", { type: "button", class: "btn btn-big", onclick: () => replace(updateBox) }, t("common.cancel"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const changed = {};
      for (const r of rows) {
        const old = (alert.messages || {})[r.lang] || {};
        if (r.title.value.trim() && r.body.value.trim() && (r.title.value !== (old.title || "") || r.body.value !== (old.body || ""))) changed[r.lang] = { title: r.title.value.trim(), body: r.body.value.trim() };
      }
      act("update", { messages: Object.keys(changed).length ? changed : null, level: level.value ? Number(level.value) : null });
    });
    replace(updateBox, form);
    rows[0].title.focus();
  }

  async function loadProgress() {
    clearTimeout(pollTimer);
    if (!api.has("alert_deliveries")) {
      replace(progress, ctx.unavailable(t("alert.progress_unavailable")));
      return;
    }
    if (alert.status === "draft" || alert.status === "rejected") {
      replace(progress, empty(t("alert.progress_not_sent")));
      return;
    }
    try {
      const channels = Object.entries(deliveryCounts(await api.get("alert_deliveries", [id])));
      const lang = currentLang();
      replace(
        progress,
        channels.length
          ? h("div", { class: "progress" }, h("p", { class: "hint legend" }, BAR_STATES.map((s) => h("span", { class: `key ${s}` }, t(`alert.delivery.${s}`)))), channels.map(([channel, c]) => channelProgress(channel, c, lang)))
          : empty(t("alert.progress_none")),
      );
      const pending = channels.some(([, c]) => c.pending > 0);
      if (wasPending && !pending) ctx.announce(t("alert.progress_finished"));
      wasPending = pending;
      if (pending) pollTimer = setTimeout(loadProgress, POLL_MS);
    } catch (err) {
      replace(progress, errorNotice(ctx, err));
    }
  }

  async function load() {
    alert = await api.get("alert", [id]);
    areaNames = await areaNamesOf(api, alert.area_codes);
    drawSummary();
    drawActions();
    replace(messages, messageTabs(alert, config.alert_languages));
    capPreview(cap, ctx, alert);
    loadProgress();
  }

  if (!api.has("alert")) {
    replace(root, ctx.unavailable(t("alerts.unavailable")));
    return null;
  }
  try {
    await load();
  } catch (err) {
    replace(root, h("p", { class: "back" }, h("a", { href: "#/alerts" }, `← ${t("nav.alerts")}`)), errorNotice(ctx, err));
    return null;
  }
  const off = ctx.live
    ? ctx.live.on((e) => {
        const d = e.data || {};
        if ((e.kind.startsWith("alert") || e.kind.startsWith("delivery")) && (d.id === id || d.alert_id === id)) load().catch(() => {});
      })
    : null;
  return () => {
    if (off) off();
    clearTimeout(pollTimer);
  };
}
