// A shelter's occupancy: the count and its crowding, +1 / −1 / +10 taps that add up, and an exact count.

import { crowdingBadge, crowdingOf, panel } from "../../common.js";
import { formatNumber, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";

const MAX_RETRIES = 3;
const MAX_COUNT = 100000;

function validCount(text) {
  const value = Number(text);
  return text !== "" && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT ? value : null;
}

// screen: { say, redraw, reload, history } of the shelter screen.
export function occupancyPanel(ctx, shelter, screen) {
  const { api, config } = ctx;
  const countValue = h("output", { class: "count-value", "aria-live": "polite" });
  const countOf = h("span", { class: "count-of" });
  const crowdBox = h("div", { class: "count-crowding" });
  const pendingNote = h("p", { class: "hint pending-note", "aria-live": "polite" });
  const exact = h("input", { id: "exact", type: "number", inputmode: "numeric", min: "0", max: String(MAX_COUNT), step: "1", class: "exact-input", "aria-label": t("shelter.exact_label") });
  const exactPreview = h("span", { class: "hint" });
  const bump = (n) =>
    h("button", { type: "button", class: `btn btn-count ${n < 0 ? "btn-minus" : ""}`, onclick: () => adjust(n), "aria-label": t(n < 0 ? "shelter.minus_n" : "shelter.plus_n", { n: Math.abs(n) }) }, n < 0 ? `−${Math.abs(n)}` : `+${n}`);
  const countButtons = h("div", { class: "count-buttons" }, bump(-1), bump(1), bump(10));
  const exactForm = h(
    "form",
    { class: "exact-form", onsubmit: (e) => { e.preventDefault(); setExact(); } },
    h("label", { for: "exact" }, t("shelter.exact_label")),
    h("div", { class: "exact-row" }, exact, h("button", { type: "submit", class: "btn btn-primary" }, t("shelter.exact_set"))),
    exactPreview,
  );
  const mayUpdate = ctx.mayUpdateShelter(shelter.id);
  const el = panel(t("shelter.occupancy"), h("div", { class: "count-now" }, countValue, countOf, crowdBox), pendingNote, mayUpdate ? countButtons : null, mayUpdate ? exactForm : null);

  function draw() {
    const { state, pendingDelta } = shelter;
    const counting = config.counting_statuses.includes(state.status);
    countValue.textContent = formatNumber(shelter.shownCount(), currentLang());
    countOf.textContent = state.capacity ? ` / ${formatNumber(state.capacity, currentLang())} ${t("shelter.people")}` : ` ${t("shelter.people")} (${t("shelter.capacity_unknown")})`;
    const crowd = counting ? crowdingOf(config, shelter.shownCount(), state.capacity, state.status) : null;
    replace(crowdBox, counting ? [h("span", { class: "hint" }, t("shelter.crowding_shown")), " ", crowdingBadge(crowd)] : h("span", { class: "hint" }, t("shelter.not_counting")));
    for (const b of countButtons.querySelectorAll("button")) b.disabled = !counting;
    for (const control of exactForm.querySelectorAll("input, button")) control.disabled = !counting;
    const signed = pendingDelta > 0 ? `+${pendingDelta}` : String(pendingDelta);
    pendingNote.textContent = pendingDelta ? t("shelter.sending", { n: signed }) : "";
  }

  // +1 / +10 taps add up while a request is out; each request sends the absolute count with If-Match.
  function adjust(n) {
    if (!shelter.state || shelter.shownCount() + n < 0) return;
    shelter.pendingDelta += n;
    screen.redraw();
    flush();
  }

  async function flush() {
    if (shelter.inFlight) return;
    shelter.inFlight = true;
    let retries = MAX_RETRIES;
    try {
      while (shelter.pendingDelta) {
        const delta = shelter.pendingDelta;
        try {
          const target = Math.max(0, shelter.state.occupancy + delta);
          const res = await api.request("PATCH", api.path("shelter_occupancy", shelter.id), { json: { occupancy: target }, ifMatch: shelter.etag });
          shelter.pendingDelta -= delta;
          shelter.take(res);
          screen.say("");
        } catch (err) {
          if (err.status === 412 && retries > 0) {
            // Someone else counted too: take their count and add ours on top.
            retries -= 1;
            await screen.reload();
            continue;
          }
          shelter.pendingDelta -= delta;
          screen.say(ctx.problemText(err), "error");
          await screen.reload().catch(() => {});
          break;
        }
        screen.redraw();
      }
    } finally {
      shelter.inFlight = false;
      screen.redraw();
      screen.history();
    }
  }

  async function setExact() {
    const value = validCount(exact.value);
    if (value === null) {
      screen.say(t("shelter.exact_invalid"), "error");
      exact.focus();
      return;
    }
    try {
      shelter.take(await api.request("PATCH", api.path("shelter_occupancy", shelter.id), { json: { occupancy: value }, ifMatch: shelter.etag }));
      shelter.pendingDelta = 0;
      exact.value = "";
      exactPreview.textContent = "";
      screen.say(t("shelter.exact_done", { n: value }), "success");
      screen.redraw();
      screen.history();
    } catch (err) {
      if (err.status === 412) {
        await screen.reload();
        screen.say(t("shelter.conflict_count", { n: shelter.state.occupancy }), "warning");
      } else screen.say(ctx.problemText(err), "error");
    }
  }

  exact.addEventListener("input", () => {
    const value = Number(exact.value);
    if (!shelter.state || exact.value === "" || !Number.isInteger(value) || value < 0) {
      exactPreview.textContent = "";
      return;
    }
    const crowd = crowdingOf(config, value, shelter.state.capacity, shelter.state.status);
    exactPreview.textContent = crowd ? t("shelter.exact_implies", { label: currentLang() === "en" ? crowd.label_en : crowd.label }) : "";
  });

  return { el, draw };
}
