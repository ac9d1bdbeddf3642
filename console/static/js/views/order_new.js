// Draft an evacuation order: pick wards / town blocks (list or map) or draw a polygon, level, hazard, targets.
// With an order id (#/orders/{id}/edit) its drafter revises an order that was sent back and resubmits it.
// The parts are components of views/order_new/; this screen shares the selection between them.

import { errorNotice, loadAreas } from "../common.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { backLink } from "../components/links.js";
import { drawingMap } from "./order_new/drawmap.js";
import { orderForm } from "./order_new/form.js";
import { areaPicker } from "./order_new/picker.js";

// The returned order to revise with its ETag, or a refusal shown instead of the form (null when the read failed).
async function orderToRevise(root, ctx, editId, title) {
  let res;
  try {
    res = await ctx.api.request("GET", ctx.api.path("order", editId));
  } catch (err) {
    replace(root, h("h1", {}, title), errorNotice(ctx, err));
    return null;
  }
  const order = res.data;
  const refusal = order.status !== "returned" ? "order_edit.not_returned" : order.drafted_by !== ctx.me.actor ? "order_edit.not_drafter" : null;
  if (refusal) {
    replace(root, backLink(`#/orders/${editId}`, t("order.title", { id: editId })), h("h1", {}, title), h("p", { class: "notice notice-warning", role: "note" }, t(refusal)));
    return null;
  }
  return { order, etag: res.etag };
}

export async function render(root, ctx, params = []) {
  const { api } = ctx;
  const editId = params[0] ? Number(params[0]) : null;
  const title = editId ? t("order_edit.title", { id: editId }) : t("orders.new");
  if (!api.has(editId ? "order_resubmit" : "order_draft")) {
    replace(root, h("h1", {}, title), ctx.unavailable(t("orders.unavailable")));
    return null;
  }
  const revising = editId ? await orderToRevise(root, ctx, editId, title) : null;
  if (editId && !revising) return null;

  // The areas and polygon the order covers, shared by the picker, the map and the form.
  const selection = { chosen: new Set(), polygon: null };
  const toggle = (code, on) => {
    if (on) selection.chosen.add(code);
    else selection.chosen.delete(code);
    picker.draw();
    map.restyle();
    form.updateTargets();
  };
  const picker = areaPicker(selection, toggle);
  const map = drawingMap(ctx, selection, { onToggle: toggle, onPolygon: () => form.updateTargets() });
  const form = orderForm(ctx, { edit: revising ? { id: editId, etag: revising.etag } : null, selection, picker });

  replace(
    root,
    editId ? backLink(`#/orders/${editId}`, t("order.title", { id: editId })) : backLink("#/orders", t("nav.orders")),
    h("div", { class: "view-head" }, h("h1", {}, title)),
    h("div", { class: "two-col wide-left" }, map.el, h("section", { class: "panel order-form-panel", "aria-label": title }, form.el)),
  );

  if (revising) {
    form.prefill(revising.order);
    if (selection.polygon) map.keepDrawn();
  }
  form.targetsHint();
  await map.setup();
  try {
    const { areas, features } = await loadAreas(api);
    picker.setAreas(areas);
    map.showAreas(features);
  } catch (err) {
    picker.notice(errorNotice(ctx, err));
  }
  if (!picker.hasAreas()) picker.notice(ctx.unavailable(t("order_new.areas_unavailable")));
  if (editId) form.updateTargets();
  return () => map.remove();
}
