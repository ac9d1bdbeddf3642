// A definition list of label → value rows; rows without a value are left out.

import { h, replace } from "../dom.js";

export function drawFacts(list, rows, { keepEmpty = false } = {}) {
  const shown = keepEmpty ? rows : rows.filter(([, value]) => value);
  return replace(list, shown.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
}
