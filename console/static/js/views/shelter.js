// One shelter: open / full / close in one tap plus a confirmation, occupancy with big buttons, history, QR link.
// The parts are components of views/shelter/; this screen holds the shelter's state and the live updates.

import { errorNotice, panel, shelterName } from "../common.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { backLink } from "../components/links.js";
import { statusNotice } from "../components/notice.js";
import { shelterFacts } from "./shelter/facts.js";
import { shelterHistory } from "./shelter/history.js";
import { operatorLink } from "./shelter/link.js";
import { occupancyPanel } from "./shelter/occupancy.js";
import { statusActions, statusHead } from "./shelter/status.js";

export { actorLabel } from "./shelter/facts.js";

// The shelter as the screen knows it: live state with its ETag, public details, counts not yet sent.
function shelterModel(id) {
  return {
    id,
    state: null,
    etag: null,
    info: null,
    pendingDelta: 0,
    inFlight: false,
    name() {
      return this.info ? shelterName(this.info) : this.state ? this.state.name : "";
    },
    shownCount() {
      return this.state ? this.state.occupancy + this.pendingDelta : 0;
    },
    take(res) {
      this.state = res.data;
      this.etag = res.etag;
    },
  };
}

// Address, kinds and hazards come from the public read: /api/shelters/{id}, else the list filtered by area.
async function readInfo(ctx, id) {
  const { api } = ctx;
  try {
    if (api.has("shelter")) {
      const data = await api.get("shelter", [id]);
      return data.properties || data;
    }
    if (api.has("shelters") && !ctx.linkMode) {
      const found = ((await api.get("shelters")).features || []).find((f) => f.properties.id === id);
      return found ? found.properties : null;
    }
  } catch {
    // details are a convenience: the state still shows
  }
  return null;
}

export async function render(root, ctx, [idText]) {
<<<<<<< HEAD
  const { api } = ctx;
  const shelter = shelterModel(Number(idText));
=======
  const { api, config } = ctx;
  const id = Number(idText);
  let state = null;
  let etag = null;
  let info = null;
  let pendingDelta = 0;
  let inFlight = false;
  const mayUpdate = ctx.mayUpdateShelter(id);

  const title = h("h1", {}, t("shelter.title_loading"));
  const statusBox = h("div", { class: "status-now" });
  const actions = h("div", { class: "status-actions" });
  const message = h("div", { class: "notice", role: "status", hidden: true });
  const countValue = h("output", { class: "count-value", "aria-live": "polite" });
  const countOf = h("span", { class: "count-of" });
  const crowdBox = h("div", { class: "count-crowding" });
  const pendingNote = h("p", { class: "hint pending-note", "aria-live": "polite" });
  const exact = h("input", { type: "number", inputmode: "numeric", min: "0", max: "100000", step: "1", class: "exact-input", "aria-label": t("shelter.exact_label") });
  const exactPreview = h("span", { class: "hint" });
  const history = h("div", { class: "history" });
  const linkBox = h("div", { class: "link-box" });
  const facts = h("dl", { class: "facts" });

  const bump = (n) => h("button", { type: "button", class: `btn btn-count ${n < 0 ? "btn-minus" : ""}`, onclick: () => adjust(n), "aria-label": t(n < 0 ? "shelter.minus_n" : "shelter.plus_n", { n: Math.abs(n) }) }, n < 0 ? `−${Math.abs(n)}` : `+${n}`);
  const countButtons = h("div", { class: "count-buttons" }, bump(-1), bump(1), bump(10));
  const exactForm = h(
    "form",
    { class: "exact-form", onsubmit: (e) => { e.preventDefault(); setExact(); } },
    h("label", { for: "exact" }, t("shelter.exact_label")),
    h("div", { class: "exact-row" }, Object.assign(exact, { id: "exact" }), h("button", { type: "submit", class: "btn btn-primary" }, t("shelter.exact_set"))),
    exactPreview,
  );
  const occupancyPanel = panel(t("shelter.occupancy"), h("div", { class: "count-now" }, countValue, countOf, crowdBox), pendingNote, mayUpdate ? countButtons : null, mayUpdate ? exactForm : null);

  replace(
    root,
    ctx.linkMode ? null : h("p", { class: "back" }, h("a", { href: "#/shelters" }, `← ${t("shelter.back")}`)),
    h("div", { class: "view-head" }, title, statusBox),
    message,
    h(
      "div",
      { class: "shelter-grid" },
      h("div", {}, panel(t("shelter.status_change"), mayUpdate ? actions : h("p", { class: "hint" }, t("shelter.read_only"))), occupancyPanel),
      h("div", {}, panel(t("shelter.details"), facts), panel(t("shelter.history"), history), !ctx.linkMode && ctx.can("shelter.operator_link") ? panel(t("shelter.link"), linkBox) : null),
    ),
  );

  function say(text, kind = "info") {
    message.className = `notice notice-${kind}`;
    message.textContent = text;
    message.hidden = !text;
  }

  function shownCount() {
    return state ? state.occupancy + pendingDelta : 0;
  }

  function drawState() {
    if (!state) return;
    title.textContent = info ? shelterName(info) : state.name;
    replace(statusBox, statusChip(state.status), state.status_changed_at ? h("span", { class: "hint" }, t("shelter.changed_at", { at: formatTime(state.status_changed_at, currentLang()) })) : null);
    const counting = config.counting_statuses.includes(state.status);
    countValue.textContent = formatNumber(shownCount(), currentLang());
    countOf.textContent = state.capacity ? ` / ${formatNumber(state.capacity, currentLang())} ${t("shelter.people")}` : ` ${t("shelter.people")} (${t("shelter.capacity_unknown")})`;
    const crowd = counting ? crowdingOf(config, shownCount(), state.capacity, state.status) : null;
    replace(crowdBox, counting ? [h("span", { class: "hint" }, t("shelter.crowding_shown")), " ", crowdingBadge(crowd)] : h("span", { class: "hint" }, t("shelter.not_counting")));
    for (const b of countButtons.querySelectorAll("button")) b.disabled = !counting;
    for (const el of exactForm.querySelectorAll("input, button")) el.disabled = !counting;
    const signed = pendingDelta > 0 ? `+${pendingDelta}` : String(pendingDelta);
    pendingNote.textContent = pendingDelta ? t("shelter.sending", { n: signed }) : "";
    const targets = (config.shelter_transitions[state.status] || []).slice().sort((a, b) => ACTION_ORDER.indexOf(a) - ACTION_ORDER.indexOf(b));
    replace(
      actions,
      targets.length
        ? targets.map((target) =>
            h("button", { type: "button", class: `btn btn-big btn-status ${PRIMARY.has(target) ? "btn-primary" : WARNING.has(target) ? "btn-warning" : DANGER.has(target) ? "btn-danger" : ""}`, dataset: { target }, onclick: () => changeStatus(target) }, t(`shelter.action.${state.status}.${target}`)),
          )
        : h("p", { class: "hint" }, t("shelter.no_actions")),
    );
  }

  function drawFacts() {
    const p = info || {};
    const rows = [
      [t("shelter.address"), p.address],
      [t("shelter.capacity"), state && state.capacity ? formatNumber(state.capacity, currentLang()) : t("shelter.capacity_unknown")],
      [t("shelter.kinds"), joinList((p.kinds || []).map((k) => t(`shelter.kind.${k}`)))],
      [t("shelter.hazards"), joinList((p.hazards || []).map(hazardLabel)) || "—"],
      [t("shelter.phone"), p.phone],
      [t("shelter.changed_by"), state && actorLabel(state.status_changed_by)],
    ];
    replace(facts, rows.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  async function loadState() {
    const res = await api.request("GET", api.path("shelter_state", id));
    state = res.data;
    etag = res.etag;
    drawState();
    drawFacts();
  }

  async function loadInfo() {
    // Address, kinds and hazards come from the public read: /api/shelters/{id}, else the list filtered by area.
    try {
      if (api.has("shelter")) {
        const data = await api.get("shelter", [id]);
        info = data.properties || data;
      } else if (api.has("shelters") && !ctx.linkMode) {
        const data = await api.get("shelters");
        const found = (data.features || []).find((f) => f.properties.id === id);
        info = found ? found.properties : null;
      }
    } catch {
      info = null;
    }
    drawState();
    drawFacts();
  }

  async function loadHistory() {
    if (!api.has("shelter_history")) {
      replace(history, ctx.unavailable(t("shelter.history_unavailable")));
      return;
    }
    try {
      const data = await api.get("shelter_history", [id], { query: { limit: 30 } });
      replace(
        history,
        data.items.length
          ? h("ol", { class: "timeline" }, data.items.map((item) => h("li", {}, h("time", { datetime: item.at }, formatTime(item.at, currentLang(), { seconds: true })), " ", h("span", {}, describe(item)), " ", h("span", { class: "who" }, actorLabel(item.actor)))))
          : empty(t("shelter.history_empty")),
      );
    } catch (err) {
      replace(history, errorNotice(ctx, err));
    }
  }

  function describe(item) {
    const before = item.before || {};
    const after = item.after || {};
    if (item.action === "shelter.status") return t("shelter.history_status", { from: t(`shelter.status.${before.status}`), to: t(`shelter.status.${after.status}`) });
    if (item.action === "shelter.occupancy") return t("shelter.history_occupancy", { from: before.occupancy, to: after.occupancy });
    if (item.action === "shelter.operator_link") return t("shelter.history_link");
    return item.action;
  }

  async function changeStatus(target) {
    const ok = await ctx.confirm({
      title: t("shelter.confirm_title", { name: title.textContent, action: t(`shelter.action.${state.status}.${target}`) }),
      body: t(`shelter.confirm_body.${target}`),
      confirmLabel: t(`shelter.action.${state.status}.${target}`),
      danger: DANGER.has(target),
    });
    if (!ok) return;
    try {
      const res = await api.request("POST", api.path("shelter_status", id), { json: { status: target }, ifMatch: etag });
      state = res.data;
      etag = res.etag;
      pendingDelta = 0;
      drawState();
      drawFacts();
      say(t("shelter.status_done", { status: t(`shelter.status.${state.status}`) }), "success");
      ctx.announce(t("shelter.status_done", { status: t(`shelter.status.${state.status}`) }));
      loadHistory();
    } catch (err) {
      if (err.status === 412 || err.status === 409) {
        await loadState();
        say(t("shelter.conflict"), "warning");
      } else say(ctx.problemText(err), "error");
    }
  }

  // +1 / +10 taps add up while a request is out; each request sends the absolute count with If-Match.
  function adjust(n) {
    if (!state) return;
    if (shownCount() + n < 0) return;
    pendingDelta += n;
    drawState();
    flush();
  }

  async function flush() {
    if (inFlight) return;
    inFlight = true;
    let retries = MAX_RETRIES;
    try {
      while (pendingDelta) {
        const delta = pendingDelta;
        try {
          const target = Math.max(0, state.occupancy + delta);
          const res = await api.request("PATCH", api.path("shelter_occupancy", id), { json: { occupancy: target }, ifMatch: etag });
          pendingDelta -= delta;
          state = res.data;
          etag = res.etag;
          say("");
        } catch (err) {
          if (err.status === 412 && retries > 0) {
            // Someone else counted too: take their count and add ours on top.
            retries -= 1;
            await loadState();
            continue;
          }
          pendingDelta -= delta;
          say(ctx.problemText(err), "error");
          await loadState().catch(() => {});
          break;
        }
        drawState();
      }
    } finally {
      inFlight = false;
      drawState();
      loadHistory();
    }
  }

  async function setExact() {
    const value = Number(exact.value);
    if (exact.value === "" || !Number.isInteger(value) || value < 0 || value > 100000) {
      say(t("shelter.exact_invalid"), "error");
      exact.focus();
      return;
    }
    try {
      const res = await api.request("PATCH", api.path("shelter_occupancy", id), { json: { occupancy: value }, ifMatch: etag });
      state = res.data;
      etag = res.etag;
      pendingDelta = 0;
      exact.value = "";
      exactPreview.textContent = "";
      say(t("shelter.exact_done", { n: value }), "success");
      drawState();
      loadHistory();
    } catch (err) {
      if (err.status === 412) {
        await loadState();
        say(t("shelter.conflict_count", { n: state.occupancy }), "warning");
      } else say(ctx.problemText(err), "error");
    }
  }

  exact.addEventListener("input", () => {
    const value = Number(exact.value);
    if (!state || exact.value === "" || !Number.isInteger(value) || value < 0) {
      exactPreview.textContent = "";
      return;
    }
    const crowd = crowdingOf(config, value, state.capacity, state.status);
    exactPreview.textContent = crowd ? t("shelter.exact_implies", { label: currentLang() === "en" ? crowd.label_en : crowd.label }) : "";
  });

  async function issueLink() {
    try {
      const res = await api.request("POST", api.path("shelter_link", id));
      const data = res.data;
      const url = h("input", { type: "text", readonly: true, value: data.url, class: "link-url", "aria-label": t("shelter.link_url") });
      replace(
        linkBox,
        h("img", { src: data.qr_svg, alt: t("shelter.link_qr_alt", { name: title.textContent }), class: "qr", width: 220, height: 220 }),
        url,
        h("p", { class: "hint" }, t("shelter.link_expires", { at: formatTime(data.expires_at, currentLang()) })),
        h("button", { type: "button", class: "btn", onclick: async () => { url.select(); try { await navigator.clipboard.writeText(data.url); ctx.announce(t("shelter.link_copied")); } catch { /* selected for manual copy */ } } }, t("shelter.link_copy")),
      );
      loadHistory();
    } catch (err) {
      replace(linkBox, errorNotice(ctx, err), linkButton());
    }
  }

  function linkButton() {
    return h("button", { type: "button", class: "btn link-issue", onclick: issueLink }, t("shelter.link_issue"));
  }

>>>>>>> h4-i18n
  if (!api.has("shelter_state")) {
    replace(root, ctx.unavailable(t("shelter.unavailable")));
    return null;
  }
  const notice = statusNotice();
  const title = h("h1", {}, t("shelter.title_loading"));
  const screen = {
    say: notice.say,
    redraw,
    reload: loadState,
    history: () => history.load(),
  };
  const head = statusHead(shelter);
  const actions = statusActions(ctx, shelter, screen);
  const occupancy = occupancyPanel(ctx, shelter, screen);
  const facts = shelterFacts(shelter);
  const history = shelterHistory(ctx, shelter.id);
  const link = !ctx.linkMode && ctx.can("shelter.operator_link") ? operatorLink(ctx, shelter, screen.history) : null;

  replace(
    root,
    ctx.linkMode ? null : backLink("#/shelters", t("shelter.back")),
    h("div", { class: "view-head" }, title, head.el),
    notice.el,
    h(
      "div",
      { class: "shelter-grid" },
      h("div", {}, panel(t("shelter.status_change"), ctx.mayUpdateShelter(shelter.id) ? actions.el : h("p", { class: "hint" }, t("shelter.read_only"))), occupancy.el),
      h("div", {}, panel(t("shelter.details"), facts.el), panel(t("shelter.history"), history.el), link ? panel(t("shelter.link"), link.el) : null),
    ),
  );

  function redraw() {
    if (!shelter.state) return;
    title.textContent = shelter.name();
    head.draw();
    occupancy.draw();
    actions.draw();
    facts.draw();
  }

  async function loadState() {
    shelter.take(await api.request("GET", api.path("shelter_state", shelter.id)));
    redraw();
  }

  try {
    await loadState();
  } catch (err) {
    replace(root, errorNotice(ctx, err));
    return null;
  }
  readInfo(ctx, shelter.id).then((info) => {
    shelter.info = info;
    redraw();
  });
  history.load();

  const off = ctx.live
    ? ctx.live.on((event) => {
        const d = event.data || {};
        if (!event.kind.startsWith("shelter.") || d.id !== shelter.id || !shelter.state || shelter.inFlight || d.version <= shelter.state.version) return;
        // Someone else changed it: take the new state (and its version) as the base for our next change.
        loadState()
          .then(() => {
            history.load();
            notice.say(t("shelter.changed_elsewhere"), "info");
          })
          .catch(() => {});
      })
    : null;
  return () => off && off();
}
