// Message catalogues (Japanese first, English available), generated from hub/locales/*/LC_MESSAGES/console.po
// by `make i18n-build`: t(key, vars) fills {placeholders} from vars.

const STORE_KEY = "bosai.console.lang";
// [code, native name] of the staff languages and the HTML lang tag of every alert language: set from
// /staff/config.json (hub/i18n.py).
export let LANGS = [["ja", "日本語"]];
let htmlTags = {};

export function setLanguages(config) {
  LANGS = config.languages.map((l) => [l.code, l.name]);
  htmlTags = config.alert_language_tags;
}

// The HTML lang attribute of a message language (やさしい日本語 is "ja").
export function htmlTag(code) {
  return htmlTags[code] || code;
}
let lang = "ja";
let messages = {};
let fallback = {};

export function currentLang() {
  return lang;
}

export function preferredLang() {
  const saved = localStorage.getItem(STORE_KEY);
  if (saved && LANGS.some(([code]) => code === saved)) return saved;
  return "ja";
}

async function fetchCatalogue(code, version) {
  const res = await fetch(`/staff/static/i18n/${code}.json?v=${version}`);
  if (!res.ok) throw new Error(`catalogue ${code}: HTTP ${res.status}`);
  return res.json();
}

export async function loadLang(code, version) {
  const wanted = LANGS.some(([c]) => c === code) ? code : "ja";
  if (wanted !== "ja" && !Object.keys(fallback).length) fallback = await fetchCatalogue("ja", version);
  messages = await fetchCatalogue(wanted, version);
  if (wanted === "ja") fallback = messages;
  lang = wanted;
  localStorage.setItem(STORE_KEY, wanted);
  document.documentElement.lang = wanted;
}

export function t(key, vars = {}) {
  let text = messages[key] ?? fallback[key];
  if (text === undefined) {
    console.warn(`missing message ${key}`);
    text = key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

// t() for a key that may be missing (labels from the hub): the fallback text when absent.
export function tOr(key, otherwise) {
  return messages[key] ?? fallback[key] ?? otherwise;
}
