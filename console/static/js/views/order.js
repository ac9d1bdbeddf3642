// One order — the approver's screen: the draft, the diff to the last order for the place, targets,
// the rendered messages and CAP of its alert, and approve / send back with a comment / issue / lift.
// The parts are components of views/order/; this screen holds the order and its ETag.

import { areaName, errorNotice, loadAreas, panel } from "../common.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { backLink } from "../components/links.js";
import { statusNotice } from "../components/notice.js";
import { returnComment } from "../components/review.js";
import { orderDecision } from "./order/decision.js";
import { orderDiff } from "./order/diff.js";
import { orderMap } from "./order/map.js";
import { orderMessages } from "./order/messages.js";
import { orderSummary } from "./order/summary.js";
import { renderTargets } from "./targets.js";

export { previousOrder } from "./order/diff.js";

// The send-back comment: shown to everyone while returned, and to the approver after the drafter resubmits.
function drawReview(el, order) {
  const shown = order.return_comment && ["returned", "draft"].includes(order.status);
  replace(el, shown ? returnComment(order, { returned: order.status === "returned" }) : null);
}

export async function render(root, ctx, [idText]) {
  const { api } = ctx;
  const id = Number(idText);
  if (!api.has("order")) {
    replace(root, ctx.unavailable(t("orders.unavailable")));
    return null;
  }
  const current = { order: null, etag: null };
  let areaIndex = new Map();
  const areaLabel = (code) => (areaIndex.has(code) ? `${areaName(areaIndex.get(code))} (${code})` : code);

  const notice = statusNotice();
  const review = h("div", { class: "review-comment" });
  const summary = orderSummary(ctx, id, areaLabel);
  const decision = orderDecision(ctx, id, current, {
    say: notice.say,
    areaLabel,
    reload: () => load(),
    changed(res) {
      current.order = res.data;
      current.etag = res.etag;
      drawAll();
      alert.load(current.order);
    },
  });
  const diff = orderDiff(ctx, areaLabel);
  const alert = orderMessages(ctx, id);
  const map = orderMap(ctx);
  const targets = h("div");

  replace(
    root,
    backLink("#/orders", t("nav.orders")),
    summary.head,
    notice.el,
    review,
    panel(t("order.decision"), decision.el),
    h(
      "div",
      { class: "two-col" },
      h("div", {}, panel(t("order.summary"), summary.el), panel(t("order.diff"), diff.el), panel(t("order_new.targets"), targets)),
      h("div", {}, map.el, panel(t("order.messages"), alert.messages), panel(t("cap.title"), alert.cap)),
    ),
  );

  function drawAll() {
    summary.draw(current.order);
    drawReview(review, current.order);
    decision.draw();
  }

  async function load() {
    const res = await api.request("GET", api.path("order", id));
    current.order = res.data;
    current.etag = res.etag;
    drawAll();
  }

  try {
    await load();
  } catch (err) {
    replace(root, backLink("#/orders", t("nav.orders")), errorNotice(ctx, err));
    return null;
  }
  try {
    const { areas } = await loadAreas(api);
    areaIndex = new Map(areas.map((a) => [a.code, a]));
    summary.draw(current.order);
  } catch {
    // codes are shown without names
  }
  const { order } = current;
  const mapPromise = map.open(order);
  diff.load(order);
  renderTargets(targets, ctx, { areaCodes: order.area_codes || [], geometry: order.geometry, hazard: order.hazard });
  alert.load(order);
  const off = ctx.live ? ctx.live.on((e) => e.kind.startsWith("order") && e.data && e.data.id === id && load()) : null;
  return async () => {
    if (off) off();
    const shown = await mapPromise;
    if (shown) shown.remove();
  };
}
