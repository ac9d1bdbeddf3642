// A shelter's operator link: issue a per-shelter login as a QR code and a URL to copy.

import { errorNotice } from "../../common.js";
import { formatTime, h, replace } from "../../dom.js";
import { currentLang, t } from "../../i18n.js";

// onIssued: called after a link was issued (the history shows it).
export function operatorLink(ctx, shelter, onIssued) {
  const { api } = ctx;
  const el = h("div", { class: "link-box" });

  function issued(data) {
    const url = h("input", { type: "text", readonly: true, value: data.url, class: "link-url", "aria-label": t("shelter.link_url") });
    const copy = async () => {
      url.select();
      try {
        await navigator.clipboard.writeText(data.url);
        ctx.announce(t("shelter.link_copied"));
      } catch {
        // selected for manual copy
      }
    };
    return [
      h("img", { src: data.qr_svg, alt: t("shelter.link_qr_alt", { name: shelter.name() }), class: "qr", width: 220, height: 220 }),
      url,
      h("p", { class: "hint" }, t("shelter.link_expires", { at: formatTime(data.expires_at, currentLang()) })),
      h("button", { type: "button", class: "btn", onclick: copy }, t("shelter.link_copy")),
    ];
  }

  async function issue() {
    try {
      const res = await api.request("POST", api.path("shelter_link", shelter.id));
      replace(el, issued(res.data));
      onIssued();
    } catch (err) {
      replace(el, errorNotice(ctx, err), issueButton());
    }
  }

  function issueButton() {
    return h("button", { type: "button", class: "btn link-issue", onclick: issue }, t("shelter.link_issue"));
  }

  replace(el, h("p", { class: "hint" }, t("shelter.link_hint")), issueButton());
  return { el };
}
