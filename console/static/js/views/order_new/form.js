// The order form: level, hazard, areas (the picker), reason and the people it reaches; checks, then drafts
// a new order or resubmits a returned one with its ETag.

import { hazardLabel, panel } from "../../common.js";
import { debounce, field, h, replace, select } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";
import { returnComment } from "../../components/review.js";
import { renderTargets } from "../targets.js";

const TARGETS_DEBOUNCE_MS = 400;

function levelChoices(config) {
  return h(
    "div",
    { class: "radio-row" },
    Object.entries(config.order_levels).map(([level, names]) =>
      h("label", { class: "radio-card" }, h("input", { type: "radio", name: "level", value: level, required: true }), h("span", { class: `level level-${level}` }, t("level.short", { n: level })), ` ${currentLang() === "en" ? names.en : names.ja}`),
    ),
  );
}

// edit: { id, etag } of the returned order being revised, or null for a new draft.
export function orderForm(ctx, { edit, selection, picker }) {
  const { api, config } = ctx;
  const error = h("div", { class: "notice notice-error", role: "alert", hidden: true });
  const levels = levelChoices(config);
  const hazard = select([["", t("order_new.choose_hazard")], ...config.hazards.map((x) => [x, hazardLabel(x)])], "", { name: "hazard", required: true });
  const reason = h("textarea", { name: "reason", maxlength: 2000, rows: 3 });
  const targets = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-big btn-wide" }, t(edit ? "order_edit.submit" : "order_new.submit"));
  const review = h("div", { class: "review-comment" });
  const el = h(
    "form",
    { class: "order-form", novalidate: true },
    review,
    error,
    h("fieldset", {}, h("legend", {}, t("order_new.level")), levels),
    field(t("order_new.hazard"), hazard),
    picker.el,
    field(t("order_new.reason"), reason, t("order_new.reason_hint")),
    panel(t("order_new.targets"), targets),
    submit,
  );

  const targetsHint = () => replace(targets, h("p", { class: "hint" }, t("order_new.targets_hint")));
  const updateTargets = debounce(async () => {
    if (!selection.chosen.size && !selection.polygon) {
      targetsHint();
      return;
    }
    await renderTargets(targets, ctx, { areaCodes: [...selection.chosen], geometry: selection.polygon, hazard: hazard.value || null });
  }, TARGETS_DEBOUNCE_MS);

  // A returned order's fields, and the comment it came back with, in the form.
  function prefill(order) {
    const radio = levels.querySelector(`input[value="${order.level}"]`);
    if (radio) radio.checked = true;
    hazard.value = order.hazard;
    for (const code of order.area_codes || []) selection.chosen.add(code);
    reason.value = order.reason || "";
    if (order.geometry) selection.polygon = order.geometry;
    if (order.return_comment) replace(review, returnComment(order, { returned: true, heading: false }));
  }

  function problems(level) {
    const found = [];
    if (!level) found.push(t("order_new.need_level"));
    if (!hazard.value) found.push(t("order_new.need_hazard"));
    if (!selection.chosen.size && !selection.polygon) found.push(t("order_new.need_area"));
    return found;
  }

  async function send(event) {
    event.preventDefault();
    error.hidden = true;
    const level = el.querySelector('input[name="level"]:checked');
    const found = problems(level);
    if (found.length) {
      error.textContent = found.join(" ");
      error.hidden = false;
      error.scrollIntoView({ block: "nearest" });
      (level ? hazard : levels.querySelector("input")).focus();
      return;
    }
    submit.disabled = true;
    try {
      const body = { level: Number(level.value), hazard: hazard.value, area_codes: [...selection.chosen], geometry: selection.polygon, reason: reason.value.trim() || null };
      const res = edit
        ? await api.request("POST", api.path("order_resubmit", edit.id), { json: body, ifMatch: edit.etag })
        : await api.request("POST", api.path("order_draft"), { json: body });
      ctx.notify(t(edit ? "order_edit.saved" : "order_new.saved", { id: res.data.id }), "success");
      ctx.navigate(`/orders/${res.data.id}`);
    } catch (err) {
      replace(error, ctx.problemText(err));
      error.hidden = false;
      submit.disabled = false;
    }
  }

  hazard.addEventListener("change", updateTargets);
  el.addEventListener("submit", send);
  return { el, prefill, updateTargets, targetsHint };
}
