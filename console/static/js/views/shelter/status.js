// A shelter's status: the chip and time under the title, and the one-tap buttons to change it (confirmed first).

import { statusChip } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";

// The order status buttons appear in, and which look like the primary action.
const ACTION_ORDER = ["open", "opening", "full", "closed_again", "closed"];
const PRIMARY = new Set(["open"]);
const WARNING = new Set(["full"]);
const DANGER = new Set(["closed_again", "closed"]);

export function statusHead(shelter) {
  const el = h("div", { class: "status-now" });
  function draw() {
    const { state } = shelter;
    replace(el, statusChip(state.status), state.status_changed_at ? h("span", { class: "hint" }, t("shelter.changed_at", { at: formatTime(state.status_changed_at, currentLang()) })) : null);
  }
  return { el, draw };
}

function buttonClass(target) {
  const look = PRIMARY.has(target) ? "btn-primary" : WARNING.has(target) ? "btn-warning" : DANGER.has(target) ? "btn-danger" : "";
  return `btn btn-big btn-status ${look}`;
}

// screen: { say, redraw, reload, history } of the shelter screen.
export function statusActions(ctx, shelter, screen) {
  const { api, config } = ctx;
  const el = h("div", { class: "status-actions" });

  async function change(target) {
    const action = t(`shelter.action.${shelter.state.status}.${target}`);
    const ok = await ctx.confirm({
      title: t("shelter.confirm_title", { name: shelter.name(), action }),
      body: t(`shelter.confirm_body.${target}`),
      confirmLabel: action,
      danger: DANGER.has(target),
    });
    if (!ok) return;
    try {
      shelter.take(await api.request("POST", api.path("shelter_status", shelter.id), { json: { status: target }, ifMatch: shelter.etag }));
      shelter.pendingDelta = 0;
      screen.redraw();
      const done = t("shelter.status_done", { status: t(`shelter.status.${shelter.state.status}`) });
      screen.say(done, "success");
      ctx.announce(done);
      screen.history();
    } catch (err) {
      if (err.status === 412 || err.status === 409) {
        await screen.reload();
        screen.say(t("shelter.conflict"), "warning");
      } else screen.say(ctx.problemText(err), "error");
    }
  }

  function draw() {
    const { status } = shelter.state;
    const targets = (config.shelter_transitions[status] || []).slice().sort((a, b) => ACTION_ORDER.indexOf(a) - ACTION_ORDER.indexOf(b));
    replace(
      el,
      targets.length
        ? targets.map((target) => h("button", { type: "button", class: buttonClass(target), dataset: { target }, onclick: () => change(target) }, t(`shelter.action.${status}.${target}`)))
        : h("p", { class: "hint" }, t("shelter.no_actions")),
    );
  }

  return { el, draw };
}
