// The order form's area picker: wards and town blocks as checkboxes, filtered by name, kana or code.

import { areaName, joinList } from "../../common.js";
import { debounce, field, h, replace } from "../../dom.js";
import { t } from "../../i18n.js";

const FILTER_DEBOUNCE_MS = 120;

// selection: { chosen, polygon } of the form; onToggle(code, on) changes it.
export function areaPicker(selection, onToggle) {
  const list = h("div", { class: "area-picker", role: "group", "aria-label": t("order_new.areas") });
  const filter = h("input", { type: "search", placeholder: t("order_new.area_search"), autocomplete: "off" });
  const chosenText = h("p", { class: "hint", "aria-live": "polite" });
  const el = h("fieldset", {}, h("legend", {}, t("order_new.areas")), field(t("order_new.area_search_label"), filter), list, chosenText);
  let areas = [];

  function areaBox(a) {
    const box = h("input", { type: "checkbox", value: a.code });
    box.checked = selection.chosen.has(a.code);
    box.addEventListener("change", () => onToggle(a.code, box.checked));
    return h("label", { class: "check" }, box, `${areaName(a)} `, h("span", { class: "hint" }, `${t(`area.kind.${a.kind}`)} ${a.code}`));
  }

  function draw() {
    const q = filter.value.trim().toLowerCase();
    const shown = areas.filter((a) => !q || [a.name, a.name_en, a.name_kana, a.code].some((v) => v && String(v).toLowerCase().includes(q)));
    replace(list, shown.length ? shown.map(areaBox) : h("p", { class: "hint" }, t("order_new.no_areas")));
    const names = areas.filter((a) => selection.chosen.has(a.code)).map(areaName);
    chosenText.textContent = names.length ? t("order_new.chosen", { list: joinList(names) }) : t("order_new.chosen_none");
  }

  filter.addEventListener("input", debounce(draw, FILTER_DEBOUNCE_MS));
  return {
    el,
    draw,
    setAreas(list) {
      areas = list;
      draw();
    },
    hasAreas: () => areas.length > 0,
    notice: (node) => replace(list, node),
  };
}
