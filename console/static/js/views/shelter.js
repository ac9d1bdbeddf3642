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
  const { api } = ctx;
  const shelter = shelterModel(Number(idText));
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
