// An order's decision bar: approve, send back with a comment, issue, lift or cancel — each confirmed first —
// with the four-eyes rule (a drafter never approves their own order) and hints for whoever must act next.

import { hazardLabel, joinList, levelBadge } from "../../common.js";
import { h, replace } from "../../dom.js";
import { t } from "../../i18n.js";

// What each status lets staff do next: action → permission.
const NEXT = {
  draft: [["approve", "order.approve"], ["send_back", "order.approve"], ["cancel", "order.cancel"]],
  returned: [["cancel", "order.cancel"]],
  approved: [["issue", "order.issue"], ["cancel", "order.cancel"]],
  issued: [["lift", "order.lift"]],
};

function buttonClass(action) {
  return `btn btn-big ${action === "cancel" || action === "send_back" ? "" : action === "lift" ? "btn-danger" : "btn-primary"}`;
}

function commentBox(id) {
  const comment = h("textarea", { id: `send-back-${id}`, name: "comment", rows: 4, maxlength: 2000, required: true, "aria-describedby": `send-back-hint-${id}` });
  const field = h("div", { class: "field" }, h("label", { for: comment.id }, t("order.send_back_comment")), comment, h("p", { class: "hint", id: `send-back-hint-${id}` }, t("order.send_back_hint")));
  return { comment, field };
}

// current: { order, etag } of the screen; screen: { say, areaLabel, changed(res), reload }.
export function orderDecision(ctx, id, current, screen) {
  const { api, config } = ctx;
  const el = h("div", { class: "action-bar" });

  async function act(action) {
    const { order } = current;
    const box = action === "send_back" ? commentBox(id) : null;
    const answer = ctx.confirm({
      title: t(`order.confirm.${action}`, { id }),
      body: h("div", {}, levelBadge(order.level, config), " ", hazardLabel(order.hazard), h("p", {}, joinList((order.area_codes || []).map(screen.areaLabel)) || t("orders.drawn_area")), h("p", {}, t(`order.confirm_body.${action}`)), box ? box.field : null),
      confirmLabel: t(`order.action.${action}`),
      danger: action === "lift" || action === "cancel",
    });
    if (box) box.comment.focus(); // the dialog is open: type the comment first
    if (!(await answer)) return;
    const comment = box ? box.comment.value.trim() : null;
    if (box && !comment) {
      screen.say(t("order.send_back_need_comment"), "error");
      return;
    }
    try {
      const res = await api.request("POST", api.path(`order_${action}`, id), { ifMatch: current.etag, json: box ? { comment } : undefined });
      screen.say(t(`order.done.${action}`) + (res.data.alert_id ? ` ${t("order.alert_drafted", { id: res.data.alert_id })}` : ""), "success");
      ctx.announce(t(`order.done.${action}`));
      screen.changed(res);
    } catch (err) {
      screen.say(ctx.problemText(err), "error");
      if (err.status === 412 || err.status === 409) screen.reload();
    }
  }

  function draw() {
    const { order } = current;
    const mine = order.drafted_by === ctx.me.actor;
    const buttons = [];
    if (order.status === "returned" && mine && ctx.can("order.draft") && api.has("order_resubmit")) {
      buttons.push(h("a", { class: "btn btn-big btn-primary", href: `#/orders/${id}/edit`, dataset: { action: "revise" } }, t("order.revise")));
    }
    for (const [action, permission] of NEXT[order.status] || []) {
      if (!ctx.can(permission) || !api.has(`order_${action}`)) continue;
      if ((action === "approve" || action === "send_back") && mine) continue;
      buttons.push(h("button", { type: "button", class: buttonClass(action), dataset: { action }, onclick: () => act(action) }, t(`order.action.${action}`)));
    }
    const notes = [];
    if (order.status === "draft" && mine && ctx.can("order.approve")) notes.push(h("p", { class: "notice notice-warning", "data-four-eyes": "" }, t("order.four_eyes")));
    if (order.status === "draft" && !ctx.can("order.approve")) notes.push(h("p", { class: "hint" }, t("order.awaiting_approver")));
    if (order.status === "returned" && !mine) notes.push(h("p", { class: "hint" }, t("order.returned_wait", { user: order.drafted_by || "—" })));
    replace(el, buttons.length ? buttons : null, notes, !buttons.length && !notes.length ? h("p", { class: "hint" }, t("order.no_actions")) : null);
  }

  return { el, draw };
}
