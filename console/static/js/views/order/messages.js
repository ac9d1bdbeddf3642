// An order's alert: while a draft, what the alert engine would write (a rolled-back preview); later the real
// alert's messages and its CAP document.

import { errorNotice } from "../../common.js";
import { h, replace } from "../../dom.js";
import { t } from "../../i18n.js";
import { capBlock, capPreview, messageTabs } from "../messages.js";

const PREVIEWED = ["draft", "returned", "approved"];
const ALERTS_READ = 200;

export function orderMessages(ctx, id) {
  const { api, config } = ctx;
  const messages = h("div");
  const cap = h("div");

  async function preview() {
    try {
      const shown = await api.get("order_alert_preview", [id]);
      replace(messages, h("p", { class: "hint" }, t("order.messages_preview")), messageTabs({ id: `preview-${id}`, ...shown }, config.alert_languages));
      replace(cap, capBlock(shown.cap, true));
    } catch (err) {
      replace(messages, errorNotice(ctx, err));
      replace(cap, h("p", { class: "hint" }, t("cap.after_send")));
    }
  }

  async function load(order) {
    if (PREVIEWED.includes(order.status) && api.has("order_alert_preview")) {
      await preview();
      return;
    }
    if (!api.has("alerts")) {
      replace(messages, ctx.unavailable(t("alerts.unavailable")));
      replace(cap, ctx.unavailable(t("cap.unavailable")));
      return;
    }
    try {
      const list = (await api.get("alerts", [], { query: { limit: ALERTS_READ } })).alerts || [];
      const alert = list.filter((a) => a.order_id === id).sort((a, b) => b.id - a.id)[0];
      if (!alert) {
        replace(messages, h("p", { class: "hint" }, t(order.status === "issued" || order.status === "lifted" ? "order.messages_pending" : "order.messages_on_issue")));
        replace(cap, h("p", { class: "hint" }, t("cap.after_send")));
        return;
      }
      replace(messages, h("p", {}, h("a", { href: `#/alerts/${alert.id}` }, t("order.alert_link", { id: alert.id })), " "), messageTabs(alert, config.alert_languages));
      capPreview(cap, ctx, alert);
    } catch (err) {
      replace(messages, errorNotice(ctx, err));
    }
  }

  return { messages, cap, load };
}
