// The board's active orders: drafts, returned, approved and issued, each a card to its screen.

import { areaNamesOf, empty, errorNotice, hazardLabel, levelBadge, orderStatusChip } from "../../common.js";
import { h, replace } from "../../dom.js";
import { t } from "../../i18n.js";
import { linkCard } from "../../components/links.js";

const ACTIVE_ORDERS = ["draft", "returned", "approved", "issued"];

// load() resolves to every order (null when they could not be read).
export function ordersPanel(ctx) {
  const { api, config } = ctx;
  const el = h("div");

  async function load() {
    if (!api.has("orders_all")) {
      replace(el, ctx.unavailable(t("orders.unavailable")));
      return null;
    }
    try {
      const all = await api.get("orders_all");
      const active = all.filter((o) => ACTIVE_ORDERS.includes(o.status));
      const names = await Promise.all(active.map((o) => areaNamesOf(api, o.area_codes)));
      replace(
        el,
        active.length
          ? h("div", { class: "card-list" }, active.map((o, i) => linkCard(`#/orders/${o.id}`, [levelBadge(o.level, config), " ", hazardLabel(o.hazard)], orderStatusChip(o.status), names[i].join("、") || t("orders.drawn_area"))))
          : empty(t("board.orders_none")),
      );
      return all;
    } catch (err) {
      replace(el, errorNotice(ctx, err));
      return null;
    }
  }

  return { el, load };
}
