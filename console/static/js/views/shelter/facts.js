// A shelter's details: address, capacity, kinds, hazards it is safe from, phone, who changed it last.

import { hazardLabel, joinList } from "../../common.js";
import { formatNumber, h } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";
import { drawFacts } from "../../components/facts.js";

const LINK_ACTOR = /^shelter-link:\w+ \(shelter \d+, issued by (.+)\)$/;

// Who made a change, with per-shelter links shown as "operator link (issued by …)".
export function actorLabel(actor) {
  const link = LINK_ACTOR.exec(actor || "");
  return link ? t("shelter.link_actor", { by: link[1] }) : actor;
}

export function shelterFacts(shelter) {
  const el = h("dl", { class: "facts" });
  function draw() {
    const p = shelter.info || {};
    const { state } = shelter;
    drawFacts(el, [
      [t("shelter.address"), p.address],
      [t("shelter.capacity"), state && state.capacity ? formatNumber(state.capacity, currentLang()) : t("shelter.capacity_unknown")],
      [t("shelter.kinds"), joinList((p.kinds || []).map((k) => t(`shelter.kind.${k}`)))],
      [t("shelter.hazards"), joinList((p.hazards || []).map(hazardLabel)) || "—"],
      [t("shelter.phone"), p.phone],
      [t("shelter.changed_by"), state && actorLabel(state.status_changed_by)],
    ]);
  }
  return { el, draw };
}
