// Small DOM helpers: elements are built with h() (never innerHTML), so API text is always inert.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  return append(clear(el), children);
}

const TOKYO = "Asia/Tokyo";

export function formatTime(value, lang, { date = true, seconds = false } = {}) {
  if (!value) return "—";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return String(value);
  const options = { timeZone: TOKYO, hour: "2-digit", minute: "2-digit" };
  if (seconds) options.second = "2-digit";
  if (date) Object.assign(options, { month: "numeric", day: "numeric" });
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", options).format(moment);
}

export function formatNumber(value, lang) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(lang === "en" ? "en-GB" : "ja-JP").format(value);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// A labelled form control: <label for> + control, with an optional hint tied by aria-describedby.
let uid = 0;
export function field(label, control, hint) {
  uid += 1;
  const id = control.id || `f${uid}`;
  control.id = id;
  const parts = [h("label", { for: id }, label), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  return h("div", { class: "field" }, parts);
}

export function select(options, value, attrs = {}) {
  const el = h("select", attrs);
  for (const [optValue, optLabel] of options) {
    const opt = h("option", { value: optValue }, optLabel);
    if (String(optValue) === String(value ?? "")) opt.selected = true;
    el.append(opt);
  }
  return el;
}
