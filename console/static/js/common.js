// Shared pieces of the screens: badges, crowding, areas, hazards, panels.

import { h } from "./dom.js";
import { currentLang, t, tOr } from "./i18n.js";

export function statusChip(status) {
  return h("span", { class: `chip status-${status}` }, t(`shelter.status.${status}`));
}

export function levelBadge(level, config) {
  if (!level) return h("span", { class: "level level-none" }, t("level.none"));
  const names = config.order_levels[String(level)];
  const name = names ? (currentLang() === "en" ? names.en : names.ja) : "";
  return h("span", { class: `level level-${level}`, title: t("level.n", { n: level }) }, t("level.short", { n: level }), name ? ` ${name}` : "");
}

export function orderStatusChip(status) {
  return h("span", { class: `chip ostatus-${status}` }, t(`order.status.${status}`));
}

export function alertStatusChip(status) {
  return h("span", { class: `chip astatus-${status}` }, t(`alert.status.${status}`));
}

export function hazardLabel(hazard) {
  return hazard ? tOr(`hazard.${hazard}`, hazard) : "—";
}

// The crowding step of occupancy ÷ capacity with the hub's thresholds (hub.crowding, sent in the config).
export function crowdingOf(config, occupancy, capacity, status) {
  const steps = config.crowding.levels;
  if (status === "full") return { level: steps.length - 1, ...steps[steps.length - 1] };
  if (!capacity || capacity <= 0) return null;
  const ratio = occupancy / capacity;
  let level = config.crowding.thresholds.findIndex((bound) => ratio < bound);
  if (level < 0) level = steps.length - 1;
  return { level, ratio, ...steps[level] };
}

export function crowdingBadge(crowding) {
  if (!crowding) return h("span", { class: "crowding crowding-unknown" }, t("crowding.unknown"));
  const label = currentLang() === "en" ? crowding.label_en : crowding.label;
  return h("span", { class: `crowding crowding-${crowding.level}` }, label);
}

export function panel(title, ...children) {
  const id = `p-${title.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2, 7)}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

export function errorNotice(ctx, err) {
  return h("div", { class: "notice notice-error", role: "alert" }, ctx.problemText(err));
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

// Wards and town blocks: /api/areas when the hub serves it, else the public map's base layer.
let areasPromise = null;
export function loadAreas(api) {
  if (!areasPromise) {
    areasPromise = (async () => {
      let features = [];
      if (api.has("areas")) {
        const data = await api.get("areas");
        features = data.features || [];
      } else if (api.has("base_map")) {
        const data = await api.get("base_map");
        features = (data.features || []).filter((f) => (f.properties || {}).layer === "area");
      }
      const areas = features
        .map((f) => ({ ...(f.properties || {}), geometry: f.geometry }))
        .filter((a) => a.code && (a.kind === "ward" || a.kind === "town_block"));
      areas.sort((a, b) => (a.kind === b.kind ? String(a.code).localeCompare(String(b.code)) : a.kind === "ward" ? -1 : 1));
      return { features: features.filter((f) => (f.properties || {}).code), areas };
    })().catch((err) => {
      areasPromise = null;
      throw err;
    });
  }
  return areasPromise;
}

export function areaName(area) {
  if (!area) return "";
  return currentLang() === "en" && area.name_en ? area.name_en : area.name || area.code;
}

// Ward / town-block names for area codes, in the current language (the code itself when unknown).
export async function areaNamesOf(api, codes) {
  let index = new Map();
  try {
    index = new Map((await loadAreas(api)).areas.map((a) => [a.code, a]));
  } catch {
    // names are a convenience: the codes still identify the areas
  }
  return (codes || []).map((code) => (index.has(code) ? areaName(index.get(code)) : code));
}

export function shelterName(props) {
  return currentLang() === "en" && props.name_en ? props.name_en : props.name;
}

export function refreshButton(onclick) {
  return h("button", { type: "button", class: "btn btn-small", onclick }, t("common.refresh"));
}

// A horizontally scrollable table that keyboard users can scroll too (focusable, named region).
export function tableWrap(label, ...children) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label }, ...children);
}

// A list in the reader's language: 品川区、港区 / Shinagawa, Minato.
export function joinList(items) {
  return items.join(currentLang() === "en" ? ", " : "、");
}
