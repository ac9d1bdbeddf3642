// A screen's one-line outcome message ("saved", "someone else changed it", errors): a live status region.

import { h } from "../dom.js";

export function statusNotice() {
  const el = h("div", { class: "notice", role: "status", hidden: true });
  const say = (text, kind = "info") => {
    el.className = `notice notice-${kind}`;
    el.textContent = text;
    el.hidden = !text;
  };
  return { el, say };
}
