// An order's heading (number, level, status) and its facts: level, hazard, areas, reason, who and when.

import { hazardLabel, joinList, levelBadge, orderStatusChip } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";
import { drawFacts } from "../../components/facts.js";

// areaLabel: an area code as "name (code)" once the areas are known.
export function orderSummary(ctx, id, areaLabel) {
  const head = h("div", { class: "view-head" }, h("h1", {}, t("order.title", { id })));
  const el = h("dl", { class: "facts" });

  function draw(order) {
    replace(head, h("h1", {}, t("order.title", { id })), h("div", { class: "action-bar" }, levelBadge(order.level, ctx.config), orderStatusChip(order.status)));
    const when = (value) => (value ? formatTime(value, currentLang()) : "—");
    drawFacts(
      el,
      [
        [t("order.level"), `${t("level.short", { n: order.level })} ${currentLang() === "en" ? order.level_name_en : order.level_name}`],
        [t("order.hazard"), hazardLabel(order.hazard)],
        [t("order.areas"), joinList((order.area_codes || []).map(areaLabel)) || "—"],
        [t("order.drawn"), order.geometry ? t("common.yes") : t("common.no")],
        [t("order.reason"), order.reason || "—"],
        [t("order.drafted_by"), order.drafted_by || "—"],
        [t("order.approved_by"), order.approved_by || "—"],
        [t("order.version"), String(order.version)],
        [t("order.created"), formatTime(order.created_at, currentLang())],
        [t("order.issued_at"), when(order.issued_at)],
        [t("order.lifted_at"), when(order.lifted_at)],
      ],
      { keepEmpty: true },
    );
  }

  return { head, el, draw };
}
