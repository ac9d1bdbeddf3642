// One order — the approver's screen: the draft, the diff to the last order for the place, targets,
// the rendered messages and CAP of its alert, and approve / send back with a comment / issue / lift.

import { areaName, empty, errorNotice, hazardLabel, joinList, levelBadge, loadAreas, orderStatusChip, panel, tableWrap } from "../common.js";
import { formatTime, h, replace } from "../dom.js";
import { currentLang, t } from "../i18n.js";
import { areaStyle, createMap, drawAreas, fitTo, loadLeaflet } from "../mapview.js";
import { capBlock, capPreview, messageTabs } from "./messages.js";
import { renderTargets } from "./targets.js";

// What each status lets staff do next: action → permission.
const NEXT = {
  draft: [["approve", "order.approve"], ["send_back", "order.approve"], ["cancel", "order.cancel"]],
  returned: [["cancel", "order.cancel"]],
  approved: [["issue", "order.issue"], ["cancel", "order.cancel"]],
  issued: [["lift", "order.lift"]],
};

// The order this one replaces or follows: the newest other order for the same hazard sharing an area.
export function previousOrder(order, all) {
  const codes = new Set(order.area_codes || []);
  return all
    .filter((o) => o.id !== order.id && o.hazard === order.hazard && ["issued", "lifted", "approved"].includes(o.status))
    .filter((o) => (o.area_codes || []).some((c) => codes.has(c)) || (!codes.size && o.geometry))
    .sort((a, b) => new Date(b.updated_at || b.created_at) - new Date(a.updated_at || a.created_at))[0] || null;
}

export async function render(root, ctx, [idText]) {
  const { api, config } = ctx;
  const id = Number(idText);
  let order = null;
  let etag = null;
  let areaIndex = new Map();

  const head = h("div", { class: "view-head" }, h("h1", {}, t("order.title", { id })));
  const message = h("div", { class: "notice", role: "status", hidden: true });
  const review = h("div", { class: "review-comment" });
  const summary = h("dl", { class: "facts" });
  const actions = h("div", { class: "action-bar" });
  const diff = h("div");
  const targets = h("div");
  const messages = h("div");
  const cap = h("div");
  const mapBox = h("div", { class: "map" });
  const mapNote = h("div");

  replace(
    root,
    h("p", { class: "back" }, h("a", { href: "#/orders" }, `← ${t("nav.orders")}`)),
    head,
    message,
    review,
    panel(t("order.decision"), actions),
    h(
      "div",
      { class: "two-col" },
      h("div", {}, panel(t("order.summary"), summary), panel(t("order.diff"), diff), panel(t("order_new.targets"), targets)),
      h("div", {}, h("section", { class: "panel", "aria-label": t("order.area") }, h("h2", {}, t("order.area")), mapNote, mapBox), panel(t("order.messages"), messages), panel(t("cap.title"), cap)),
    ),
  );

  function say(text, kind) {
    message.className = `notice notice-${kind}`;
    message.textContent = text;
    message.hidden = !text;
  }

  const areaLabel = (code) => (areaIndex.has(code) ? `${areaName(areaIndex.get(code))} (${code})` : code);

  function drawSummary() {
    replace(head, h("h1", {}, t("order.title", { id })), h("div", { class: "action-bar" }, levelBadge(order.level, config), orderStatusChip(order.status)));
    const rows = [
      [t("order.level"), `${t("level.short", { n: order.level })} ${currentLang() === "en" ? order.level_name_en : order.level_name}`],
      [t("order.hazard"), hazardLabel(order.hazard)],
      [t("order.areas"), joinList((order.area_codes || []).map(areaLabel)) || "—"],
      [t("order.drawn"), order.geometry ? t("common.yes") : t("common.no")],
      [t("order.reason"), order.reason || "—"],
      [t("order.drafted_by"), order.drafted_by || "—"],
      [t("order.approved_by"), order.approved_by || "—"],
      [t("order.version"), String(order.version)],
      [t("order.created"), formatTime(order.created_at, currentLang())],
      [t("order.issued_at"), order.issued_at ? formatTime(order.issued_at, currentLang()) : "—"],
      [t("order.lifted_at"), order.lifted_at ? formatTime(order.lifted_at, currentLang()) : "—"],
    ];
    replace(summary, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  // The send-back comment: shown to everyone while returned, and to the approver after the drafter resubmits.
  function drawReview() {
    if (!order.return_comment || !["returned", "draft"].includes(order.status)) {
      replace(review, null);
      return;
    }
    const returned = order.status === "returned";
    const who = order.returned_by || "—";
    replace(
      review,
      h(
        "section",
        { class: `notice ${returned ? "notice-warning" : "notice-info"}`, "data-return-comment": "", "aria-label": t(returned ? "order.returned_title" : "order.previous_return", { user: who }) },
        returned ? h("h2", {}, t("order.returned_title")) : null,
        h("p", {}, h("strong", {}, t(returned ? "order.returned_from" : "order.previous_return", { user: who }))),
        h("blockquote", { class: "comment" }, order.return_comment),
      ),
    );
  }

  function drawActions() {
    const mine = order.drafted_by === ctx.me.actor;
    const buttons = [];
    if (order.status === "returned" && mine && ctx.can("order.draft") && api.has("order_resubmit")) {
      buttons.push(h("a", { class: "btn btn-big btn-primary", href: `#/orders/${id}/edit`, dataset: { action: "revise" } }, t("order.revise")));
    }
    for (const [action, permission] of NEXT[order.status] || []) {
      if (!ctx.can(permission) || !api.has(`order_${action}`)) continue;
      if ((action === "approve" || action === "send_back") && mine) continue;
      buttons.push(h("button", { type: "button", class: `btn btn-big ${action === "cancel" || action === "send_back" ? "" : action === "lift" ? "btn-danger" : "btn-primary"}`, dataset: { action }, onclick: () => act(action) }, t(`order.action.${action}`)));
    }
    const notes = [];
    if (order.status === "draft" && mine && ctx.can("order.approve")) notes.push(h("p", { class: "notice notice-warning", "data-four-eyes": "" }, t("order.four_eyes")));
    if (order.status === "draft" && !ctx.can("order.approve")) notes.push(h("p", { class: "hint" }, t("order.awaiting_approver")));
    if (order.status === "returned" && !mine) notes.push(h("p", { class: "hint" }, t("order.returned_wait", { user: order.drafted_by || "—" })));
    replace(actions, buttons.length ? buttons : null, notes, !buttons.length && !notes.length ? h("p", { class: "hint" }, t("order.no_actions")) : null);
  }

  async function act(action) {
    const comment = action === "send_back" ? h("textarea", { id: `send-back-${id}`, name: "comment", rows: 4, maxlength: 2000, required: true, "aria-describedby": `send-back-hint-${id}` }) : null;
    const commentField = comment
      ? h("div", { class: "field" }, h("label", { for: comment.id }, t("order.send_back_comment")), comment, h("p", { class: "hint", id: `send-back-hint-${id}` }, t("order.send_back_hint")))
      : null;
    const answer = ctx.confirm({
      title: t(`order.confirm.${action}`, { id }),
      body: h("div", {}, levelBadge(order.level, config), " ", hazardLabel(order.hazard), h("p", {}, joinList((order.area_codes || []).map(areaLabel)) || t("orders.drawn_area")), h("p", {}, t(`order.confirm_body.${action}`)), commentField),
      confirmLabel: t(`order.action.${action}`),
      danger: action === "lift" || action === "cancel",
    });
    if (comment) comment.focus(); // the dialog is open: type the comment first
    if (!(await answer)) return;
    if (comment && !comment.value.trim()) {
      say(t("order.send_back_need_comment"), "error");
      return;
    }
    try {
      const res = await api.request("POST", api.path(`order_${action}`, id), { ifMatch: etag, json: comment ? { comment: comment.value.trim() } : undefined });
      order = res.data;
      etag = res.etag;
      say(t(`order.done.${action}`) + (res.data.alert_id ? ` ${t("order.alert_drafted", { id: res.data.alert_id })}` : ""), "success");
      ctx.announce(t(`order.done.${action}`));
      drawAll();
      loadAlert();
    } catch (err) {
      say(ctx.problemText(err), "error");
      if (err.status === 412 || err.status === 409) load();
    }
  }

  async function drawDiff() {
    try {
      const all = await api.get("orders_all");
      const prev = previousOrder(order, all);
      if (!prev) {
        replace(diff, empty(t("order.diff_none")));
        return;
      }
      const before = new Set(prev.area_codes || []);
      const after = new Set(order.area_codes || []);
      const added = [...after].filter((c) => !before.has(c));
      const removed = [...before].filter((c) => !after.has(c));
      const rows = [
        [t("order.level"), prev.level, order.level],
        [t("order.hazard"), hazardLabel(prev.hazard), hazardLabel(order.hazard)],
        [t("order.reason"), prev.reason || "—", order.reason || "—"],
        [t("order.drawn"), prev.geometry ? t("common.yes") : t("common.no"), order.geometry ? t("common.yes") : t("common.no")],
      ];
      replace(
        diff,
        h("p", {}, h("a", { href: `#/orders/${prev.id}` }, t("order.diff_against", { id: prev.id })), " ", orderStatusChip(prev.status)),
        tableWrap(
          t("order.diff"),
          h(
            "table",
            { class: "diff" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("order.diff_field")), h("th", { scope: "col" }, t("order.diff_before")), h("th", { scope: "col" }, t("order.diff_after")))),
            h(
              "tbody",
              {},
              rows.map(([name, a, b]) => h("tr", {}, h("th", { scope: "row" }, name), h("td", { class: String(a) !== String(b) ? "del" : "" }, String(a)), h("td", { class: String(a) !== String(b) ? "add" : "" }, String(b)))),
              h("tr", {}, h("th", { scope: "row" }, t("order.areas")), h("td", {}, removed.length ? removed.map((c) => h("span", { class: "del" }, areaLabel(c), " ")) : "—"), h("td", {}, added.length ? added.map((c) => h("span", { class: "add" }, areaLabel(c), " ")) : t("order.diff_same_areas"))),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(diff, errorNotice(ctx, err));
    }
  }

  // Draft and approved orders: what the alert engine would write (rolled-back preview); later, the real alert.
  async function loadAlert() {
    if (["draft", "returned", "approved"].includes(order.status) && api.has("order_alert_preview")) {
      try {
        const preview = await api.get("order_alert_preview", [id]);
        replace(messages, h("p", { class: "hint" }, t("order.messages_preview")), messageTabs({ id: `preview-${id}`, ...preview }, config.alert_languages));
        replace(cap, capBlock(preview.cap, true));
      } catch (err) {
        replace(messages, errorNotice(ctx, err));
        replace(cap, h("p", { class: "hint" }, t("cap.after_send")));
      }
      return;
    }
    if (!api.has("alerts")) {
      replace(messages, ctx.unavailable(t("alerts.unavailable")));
      replace(cap, ctx.unavailable(t("cap.unavailable")));
      return;
    }
    try {
      const list = (await api.get("alerts", [], { query: { limit: 200 } })).alerts || [];
      const alert = list.filter((a) => a.order_id === id).sort((a, b) => b.id - a.id)[0];
      if (!alert) {
        replace(messages, h("p", { class: "hint" }, t(order.status === "issued" || order.status === "lifted" ? "order.messages_pending" : "order.messages_on_issue")));
        replace(cap, h("p", { class: "hint" }, t("cap.after_send")));
        return;
      }
      replace(messages, h("p", {}, h("a", { href: `#/alerts/${alert.id}` }, t("order.alert_link", { id: alert.id })), " "), messageTabs(alert, config.alert_languages));
      capPreview(cap, ctx, alert);
    } catch (err) {
      replace(messages, errorNotice(ctx, err));
    }
  }

  async function drawMap() {
    const L = await loadLeaflet(api.has("map_static"));
    if (!L) {
      mapBox.hidden = true;
      replace(mapNote, ctx.unavailable(t("map.unavailable")));
      return;
    }
    const map = createMap(mapBox, L, { label: t("order.area") });
    const selected = new Set(order.area_codes || []);
    try {
      const { features } = await loadAreas(api);
      const layer = drawAreas(L, map, features.filter((f) => selected.has(f.properties.code) || f.properties.kind === "ward"), { selected });
      layer.setStyle((f) => areaStyle(f, selected));
      if (selected.size) fitTo(map, L.geoJSON({ type: "FeatureCollection", features: features.filter((f) => selected.has(f.properties.code)) }));
    } catch {
      // outlines are context only
    }
    if (order.geometry) {
      const drawn = L.geoJSON(order.geometry, { style: { color: "#6a1b9a", weight: 3, dashArray: "6 4", fillOpacity: 0.25 } }).addTo(map);
      if (!selected.size) fitTo(map, drawn);
    }
    return map;
  }

  function drawAll() {
    drawSummary();
    drawReview();
    drawActions();
  }

  async function load() {
    const res = await api.request("GET", api.path("order", id));
    order = res.data;
    etag = res.etag;
    drawAll();
  }

  if (!api.has("order")) {
    replace(root, ctx.unavailable(t("orders.unavailable")));
    return null;
  }
  try {
    await load();
  } catch (err) {
    replace(root, h("p", { class: "back" }, h("a", { href: "#/orders" }, `← ${t("nav.orders")}`)), errorNotice(ctx, err));
    return null;
  }
  try {
    const { areas } = await loadAreas(api);
    areaIndex = new Map(areas.map((a) => [a.code, a]));
    drawSummary();
  } catch {
    // codes are shown without names
  }
  const mapPromise = drawMap();
  drawDiff();
  renderTargets(targets, ctx, { areaCodes: order.area_codes || [], geometry: order.geometry, hazard: order.hazard });
  loadAlert();
  const off = ctx.live ? ctx.live.on((e) => e.kind.startsWith("order") && e.data && e.data.id === id && load()) : null;
  return async () => {
    if (off) off();
    const map = await mapPromise;
    if (map) map.remove();
  };
}
