// Rendered alert messages in every language (tabs), and the CAP preview of a published alert.

import { errorNotice } from "../common.js";
import { h, replace } from "../dom.js";
import { htmlTag, t, tOr } from "../i18n.js";

export function messageTabs(alert, languages) {
  const messages = alert.messages || {};
  const fallbacks = alert.fallbacks || {};
  const langs = languages.filter((l) => messages[l]).concat(Object.keys(messages).filter((l) => !languages.includes(l)));
  if (!langs.length) return h("p", { class: "hint" }, t("messages.none"));
  const panelBox = h("div", { role: "tabpanel" });
  const tabs = langs.map((lang, i) =>
    h("button", { type: "button", role: "tab", class: "tab", id: `tab-${alert.id}-${lang}`, "aria-selected": String(i === 0), tabindex: i === 0 ? "0" : "-1", onclick: () => show(i), onkeydown: (e) => key(e, i) }, tOr(`lang.${lang}`, lang), fallbacks[lang] ? " ⚠" : ""),
  );
  function show(i) {
    tabs.forEach((tab, j) => {
      tab.setAttribute("aria-selected", String(i === j));
      tab.tabIndex = i === j ? 0 : -1;
    });
    const lang = langs[i];
    const m = messages[lang] || {};
    panelBox.setAttribute("aria-labelledby", tabs[i].id);
    replace(
      panelBox,
      fallbacks[lang] ? h("p", { class: "notice notice-warning" }, t("messages.fallback", { reason: fallbacks[lang] })) : null,
      h("div", { class: "message-box", lang: htmlTag(lang) }, h("h3", {}, m.title || ""), m.body || ""),
    );
  }
  function key(e, i) {
    const next = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
    if (next === null) return;
    const j = (next + tabs.length) % tabs.length;
    show(j);
    tabs[j].focus();
  }
  show(0);
  return h("div", {}, h("div", { class: "tabs", role: "tablist", "aria-label": t("messages.languages") }, tabs), panelBox);
}

// CAP 1.2 XML: as the public feed serves it once sent, else the staff preview of the draft.
export async function capPreview(box, ctx, alert) {
  const { api } = ctx;
  const published = ["sent", "updated", "cancelled", "expired"].includes(alert.status) && alert.scope === "Public";
  const name = published ? "alert_cap" : "alert_cap_preview";
  if (!api.has(name)) {
    replace(box, published ? ctx.unavailable(t("cap.unavailable")) : h("p", { class: "hint" }, t("cap.after_send")));
    return;
  }
  try {
    const res = await api.request("GET", api.path(name, alert.id), { accept: "application/cap+xml, application/xml" });
    replace(box, capBlock(String(res.data), !published), published ? h("a", { href: api.path("alert_cap", alert.id), target: "_blank", rel: "noopener" }, t("cap.open")) : null);
  } catch (err) {
    replace(box, errorNotice(ctx, err));
  }
}

export function capBlock(xml, draft) {
  return h("div", {}, draft ? h("p", { class: "hint" }, t("cap.draft_note")) : null, h("pre", { class: "cap", tabindex: "0", "aria-label": t("cap.title") }, xml));
}
