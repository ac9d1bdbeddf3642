// Links between screens: "← back" above a screen, and a card that opens an order or an alert.

import { h } from "../dom.js";

export function backLink(href, label) {
  return h("p", { class: "back" }, h("a", { href }, `← ${label}`));
}

// A card: what it is (badge and title) with its status chip on top, an optional line below.
export function linkCard(href, title, chip, meta = null) {
  return h("a", { class: "card", href }, h("div", { class: "card-top" }, h("span", {}, title), chip), meta === null ? null : h("div", { class: "card-meta" }, meta));
}
