// Data: upload a shelter CSV or hazard GeoJSON with a preview of what changes and the row errors; open data.

import { errorNotice, panel, tableWrap } from "../common.js";
import { field, formatNumber, h, replace, select } from "../dom.js";
import { currentLang, t } from "../i18n.js";

const ERRORS_SHOWN = 200;

export async function render(root, ctx) {
  const { api, config } = ctx;
  let previewed = null;

  const kinds = [["shelters", t("data.kind_shelters")], ["hazard", t("data.kind_hazard")]].filter(([k]) => api.has(`import_${k}_preview`));
  const kind = select(kinds, "shelters", { name: "kind" });
  const file = h("input", { type: "file", name: "file", accept: ".csv,.geojson,.json,.zip" });
  const coords = select([["decimal", t("data.coords_decimal")], ["dms", t("data.coords_dms")]], "decimal", { name: "coords" });
  const sourceFormat = select([["geojson", "GeoJSON"], ["ksj-a31", "国土数値情報 A31 (洪水)"], ["ksj-a49", "国土数値情報 A49 (高潮)"], ["ksj-a51", "国土数値情報 A51 (津波)"], ["ksj-a33", "国土数値情報 A33 (土砂)"]], "geojson", { name: "source_format" });
  const zoneKind = select(config.hazard_zone_kinds.map((k) => [k, t(`zone.${k}`)]), "river_flood", { name: "kind" });
  const rankField = h("input", { type: "text", name: "rank_field", value: "depth_rank" });
  const scenario = h("input", { type: "text", name: "scenario" });
  const sourceName = h("input", { type: "text", name: "source_name" });
  const skip = h("input", { type: "checkbox", name: "skip_invalid" });
  const shelterOpts = h("div", {}, field(t("data.coords"), coords, t("data.coords_hint")));
  const hazardOpts = h(
    "div",
    { hidden: true },
    field(t("data.source_format"), sourceFormat),
    field(t("data.zone_kind"), zoneKind),
    field(t("data.rank_field"), rankField, t("data.rank_field_hint")),
    field(t("data.scenario"), scenario),
    field(t("data.source_name"), sourceName, t("data.source_name_hint")),
  );
  const previewButton = h("button", { type: "submit", class: "btn btn-primary btn-big" }, t("data.preview"));
  const importButton = h("button", { type: "button", class: "btn btn-danger btn-big", disabled: true, onclick: () => doImport() }, t("data.import"));
  const result = h("div", { "aria-live": "polite" });

  const form = h(
    "form",
    { class: "upload-form", novalidate: true },
    field(t("data.kind"), kind),
    field(t("data.file"), file, t("data.file_hint")),
    shelterOpts,
    hazardOpts,
    h("label", { class: "check" }, skip, t("data.skip_invalid")),
    h("p", { class: "hint" }, t("data.preview_hint")),
    h("div", { class: "action-bar" }, previewButton, importButton),
  );
  const openData = h("div");

  replace(root, h("div", { class: "view-head" }, h("h1", {}, t("nav.data"))), h("div", { class: "two-col wide-left" }, h("div", {}, panel(t("data.upload"), form), panel(t("data.result"), result)), h("div", {}, panel(t("data.open_data"), openData))));

  function options() {
    const body = new FormData();
    body.append("file", file.files[0]);
    body.append("skip_invalid", skip.checked ? "true" : "false");
    if (kind.value === "shelters") body.append("coords", coords.value);
    else {
      body.append("source_format", sourceFormat.value);
      body.append("kind", zoneKind.value);
      body.append("rank_field", rankField.value.trim());
      if (scenario.value.trim()) body.append("scenario", scenario.value.trim());
      if (sourceName.value.trim()) body.append("source_name", sourceName.value.trim());
    }
    return body;
  }

  function invalidate() {
    previewed = null;
    importButton.disabled = true;
  }

  function report(data, { committed }) {
    const n = (v) => formatNumber(v, currentLang());
    const errors = data.errors || [];
    const status = committed
      ? h("p", { class: "notice notice-success", role: "status" }, t("data.committed", { summary: data.summary }))
      : data.refused
        ? h("p", { class: "notice notice-error", role: "alert" }, t("data.refused", { n: n(data.error_count) }))
        : h("p", { class: "notice notice-info", role: "status" }, errors.length ? t("data.preview_ok_skipping", { n: n(data.error_count) }) : t("data.preview_ok"));
    replace(
      result,
      status,
      h(
        "div",
        { class: "targets" },
        [["rows", data.rows], ["inserted", data.inserted], ["updated", data.updated], ["unchanged", data.unchanged], ["deleted", data.deleted], ["errors", data.error_count]].map(([key, value]) => h("div", { class: "stat", dataset: { count: key } }, h("span", {}, t(`data.count_${key}`)), h("b", {}, n(value)))),
      ),
      errors.length
        ? tableWrap(
            t("data.errors_title", { n: n(data.error_count) }),
            h("h3", {}, t("data.errors_title", { n: n(data.error_count) })),
            h(
              "table",
              { class: "errors-table" },
              h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, t("data.err_row")), h("th", { scope: "col" }, t("data.err_field")), h("th", { scope: "col" }, t("data.err_reason")))),
              h("tbody", {}, errors.slice(0, ERRORS_SHOWN).map((e) => h("tr", {}, h("td", { class: "num" }, e.row ?? "—"), h("td", {}, e.field || "—"), h("td", {}, e.reason)))),
            ),
          )
        : null,
      (data.warnings || []).length ? h("details", {}, h("summary", {}, t("data.warnings", { n: data.warnings.length })), h("ul", {}, data.warnings.map((w) => h("li", {}, `${w.row ?? ""} ${w.field || ""} ${w.reason}`)))) : null,
    );
  }

  async function send(path) {
    return (await api.request("POST", path, { form: options() })).data;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    invalidate();
    if (!file.files.length) {
      replace(result, h("p", { class: "notice notice-error", role: "alert" }, t("data.need_file")));
      file.focus();
      return;
    }
    previewButton.disabled = true;
    replace(result, h("p", { class: "hint" }, t("data.previewing")));
    try {
      const data = await send(api.path(`import_${kind.value}_preview`));
      report(data, { committed: false });
      previewed = data;
      importButton.disabled = data.refused || data.rows === 0;
    } catch (err) {
      replace(result, errorNotice(ctx, err));
    } finally {
      previewButton.disabled = false;
    }
  });

  async function doImport() {
    if (!previewed) return;
    const ok = await ctx.confirm({ title: t("data.confirm_title"), body: t("data.confirm_body", { file: previewed.file, inserted: previewed.inserted, updated: previewed.updated }), confirmLabel: t("data.import") });
    if (!ok) return;
    importButton.disabled = true;
    try {
      report(await send(api.path(`import_${kind.value}`)), { committed: true });
      previewed = null;
    } catch (err) {
      if (err.problem && Array.isArray(err.problem.errors) && err.problem.error_count !== undefined) {
        report({ refused: true, rows: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, error_count: err.problem.error_count, errors: err.problem.errors }, { committed: false });
      } else replace(result, errorNotice(ctx, err));
    }
  }

  kind.addEventListener("change", () => {
    shelterOpts.hidden = kind.value !== "shelters";
    hazardOpts.hidden = kind.value !== "hazard";
    invalidate();
  });
  for (const el of [file, coords, sourceFormat, zoneKind, rankField, scenario, sourceName, skip]) el.addEventListener("change", invalidate);

  if (!kinds.length) replace(form, ctx.unavailable(t("data.import_unavailable")));
  replace(result, h("p", { class: "hint" }, t("data.result_hint")));

  if (api.has("opendata")) {
    const base = api.path("opendata");
    replace(
      openData,
      h("p", {}, t("data.open_data_hint"), " ", h("a", { href: base }, t("data.od_index"))),
      h(
        "ul",
        { class: "plain-list link-list" },
        (config.open_data || []).map((d) => h("li", {}, h("a", { href: `${base}${d.file}`, download: "" }, currentLang() === "en" ? d.description : d.title), " ", h("span", { class: "hint" }, `${d.format} · ${d.file}`))),
      ),
    );
  } else replace(openData, ctx.unavailable(t("data.open_data_unavailable")));
  return null;
}
