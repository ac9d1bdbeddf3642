// Audit log (admins): who changed what, when, from where — filtered and paged.

import { empty, errorNotice, tableWrap } from "../common.js";
import { field, formatTime, h, replace } from "../dom.js";
import { currentLang, t } from "../i18n.js";

const PAGE = 50;

function changes(before, after) {
  const keys = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])];
  if (!keys.length) return "—";
  return h(
    "ul",
    { class: "plain-list diff" },
    keys.map((k) => {
      const a = before ? JSON.stringify(before[k]) : undefined;
      const b = after ? JSON.stringify(after[k]) : undefined;
      if (a === b) return h("li", {}, `${k}: ${b}`);
      return h("li", {}, `${k}: `, a !== undefined ? h("span", { class: "del" }, a) : null, a !== undefined && b !== undefined ? " → " : "", b !== undefined ? h("span", { class: "add" }, b) : null);
    }),
  );
}

export async function render(root, ctx) {
  const { api } = ctx;
  if (!api.has("audit")) {
    replace(root, h("h1", {}, t("nav.audit")), ctx.unavailable(t("audit.unavailable")));
    return null;
  }
  let offset = 0;
  const actor = h("input", { type: "text", name: "actor" });
  const action = h("input", { type: "text", name: "action", placeholder: "shelter. / order.approve" });
  const entity = h("input", { type: "text", name: "entity", placeholder: "shelter / evacuation_order / alert" });
  const from = h("input", { type: "datetime-local", name: "from" });
  const to = h("input", { type: "datetime-local", name: "to" });
  const table = tableWrap(t("nav.audit"));
  const pager = h("div", { class: "action-bar" });
  const count = h("p", { class: "count", role: "status" });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(t("audit.actor"), actor),
    field(t("audit.action"), action, t("audit.action_hint")),
    field(t("audit.entity"), entity),
    field(t("audit.from"), from),
    field(t("audit.to"), to),
    h("div", { class: "field field-button" }, h("button", { type: "submit", class: "btn btn-primary" }, t("audit.search"))),
  );
  // On a phone the filters fold away so the log itself is on the first screen.
  const filters = h("details", { class: "filter-box", open: window.matchMedia("(min-width: 700px)").matches }, h("summary", {}, t("audit.filters")), form);
  replace(root, h("div", { class: "view-head" }, h("h1", {}, t("nav.audit"))), filters, count, table, pager);

  const iso = (input) => (input.value ? new Date(input.value).toISOString() : null);

  async function load() {
    try {
      const data = await api.get("audit", [], { query: { actor: actor.value.trim(), action: action.value.trim(), entity: entity.value.trim(), from: iso(from), to: iso(to), limit: PAGE, offset } });
      count.textContent = t("audit.count", { n: data.total, from: data.total ? offset + 1 : 0, to: offset + data.items.length });
      replace(
        table,
        data.items.length
          ? h(
              "table",
              {},
              h("thead", {}, h("tr", {}, [t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.entity"), t("audit.changes"), t("audit.addr")].map((c) => h("th", { scope: "col" }, c)))),
              h("tbody", {}, data.items.map((e) => h("tr", {}, h("td", {}, h("time", { datetime: e.at }, formatTime(e.at, currentLang(), { seconds: true }))), h("td", {}, e.actor), h("td", {}, e.action), h("td", {}, `${e.entity}${e.entity_id ? ` #${e.entity_id}` : ""}`), h("td", {}, changes(e.before, e.after)), h("td", {}, e.remote_addr || "—")))),
            )
          : empty(t("audit.none")),
      );
      replace(
        pager,
        h("button", { type: "button", class: "btn", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, t("common.previous")),
        h("button", { type: "button", class: "btn", disabled: offset + PAGE >= data.total, onclick: () => { offset += PAGE; load(); } }, t("common.next")),
      );
    } catch (err) {
      replace(table, errorNotice(ctx, err));
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  await load();
  return null;
}
