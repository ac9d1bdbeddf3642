// The comment an approver sent an order back with, as the drafter and the approver see it.

import { h } from "../dom.js";
import { t } from "../i18n.js";

// returned: the order waits for its drafter (warning, with a heading); else it is the earlier round's comment.
export function returnComment(order, { returned = true, heading = returned } = {}) {
  const who = order.returned_by || "—";
  const label = returned ? t("order.returned_title") : t("order.previous_return", { user: who });
  return h(
    "section",
    { class: `notice ${returned ? "notice-warning" : "notice-info"}`, "data-return-comment": "", "aria-label": label },
    heading ? h("h2", {}, t("order.returned_title")) : null,
    h("p", {}, h("strong", {}, returned ? t("order.returned_from", { user: who }) : t("order.previous_return", { user: who }))),
    h("blockquote", { class: "comment" }, order.return_comment),
  );
}
