// Login with the hub's OAuth2 password flow.

import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";

export function renderLogin(main, ctx, { message, onLogin }) {
  const error = h("div", { class: "notice notice-error", role: "alert", hidden: true });
  const user = h("input", { type: "text", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-big btn-wide" }, t("login.submit"));
  const form = h(
    "form",
    { class: "login-form", novalidate: true },
    h("h1", {}, t("login.title")),
    message ? h("p", { class: "notice notice-info", role: "status" }, message) : null,
    error,
    field(t("login.username"), user),
    field(t("login.password"), pass),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!user.value || !pass.value) {
      error.textContent = t("login.missing");
      error.hidden = false;
      (user.value ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t("login.working");
    try {
      const token = await ctx.api.login(user.value.trim(), pass.value);
      await onLogin(token.access_token);
    } catch (err) {
      error.textContent = err.status === 401 ? t("login.failed") : ctx.problemText(err);
      error.hidden = false;
      pass.value = "";
      pass.focus();
      submit.disabled = false;
      submit.textContent = t("login.submit");
    }
  });
  if (!ctx.api.has("login")) {
    replace(main, h("div", { class: "login-wrap" }, h("div", { class: "panel" }, ctx.unavailable(t("login.unavailable")))));
    return;
  }
  replace(main, h("div", { class: "login-wrap" }, h("div", { class: "panel login-panel" }, form)));
  user.focus();
}
