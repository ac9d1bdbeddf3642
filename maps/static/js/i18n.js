/* Translations: gettext catalogues compiled by the hub (msgid = English text), furigana, formatting. */
(function () {
  "use strict";
  const B = window.Bosai;
  const RUBY = /｜([^｜《》]+)《([^《》]+)》/g;
  const PLACEHOLDER = /\{([a-z_]+)\}/g;
  /* The language list comes from the hub (hub/i18n.py): code → {html, voice}. */
  const LANGUAGES = Object.fromEntries(B.boot.languages.map((l) => [l.code, l]));
  const catalogues = {};
  const pluralRules = {};

  B.lang = B.boot.lang;
  catalogues[B.lang] = B.boot.messages;

  /* A catalogue entry is a string, or for plural messages {CLDR category: text} (built from the .po plural forms). */
  function lookup(msgid, plural, n) {
    const found = catalogues[B.lang] && catalogues[B.lang][msgid];
    if (found && typeof found === "object") {
      const tag = B.htmlLang();
      const rules = pluralRules[tag] || (pluralRules[tag] = new Intl.PluralRules(tag));
      return found[rules.select(n === undefined ? 1 : n)] || found.other || msgid;
    }
    if (found) return found;
    return plural !== undefined && n !== 1 ? plural : msgid;
  }

  function fill(text, values, escape) {
    return text.replace(PLACEHOLDER, (whole, name) => {
      if (!values || !(name in values)) return whole;
      return escape ? B.escape(values[name]) : String(values[name]);
    });
  }

  /* Plain text (labels, aria-label, speech). With reading=true, furigana replace their kanji. */
  B.t = function (msgid, values, reading) {
    const text = lookup(msgid).replace(RUBY, (whole, base, kana) => (reading ? kana : base));
    return fill(text, values, false);
  };

  /* B.t with plural forms ("1 more shelter" / "2 more shelters"): {n} is filled with the count. */
  B.tn = function (singular, plural, n, values) {
    const text = lookup(singular, plural, n).replace(RUBY, (whole, base) => base);
    return fill(text, Object.assign({ n }, values), false);
  };

  /* B.tr with plural forms (keeps the furigana markup). */
  B.trn = function (singular, plural, n, values) {
    return fill(lookup(singular, plural, n), Object.assign({ n }, values), false);
  };

  /* Text that keeps the furigana markup (｜漢字《かな》), to be shown with B.rich or spoken with B.plain. */
  B.tr = function (msgid, values) {
    return fill(lookup(msgid), values, false);
  };

  /* HTML of marked-up text: escaped, furigana as <ruby>. */
  B.rich = function (text) {
    return B.escape(text).replace(RUBY, (whole, base, kana) => `<ruby>${base}<rt>${kana}</rt></ruby>`);
  };

  /* Marked-up text as DOM nodes: text, furigana as <ruby> (data never becomes markup). */
  B.richNodes = function (text) {
    const nodes = [];
    const source = String(text === null || text === undefined ? "" : text);
    let last = 0;
    for (const match of source.matchAll(RUBY)) {
      if (match.index > last) nodes.push(document.createTextNode(source.slice(last, match.index)));
      const ruby = document.createElement("ruby");
      ruby.append(match[1], B.el("rt", { text: match[2] }));
      nodes.push(ruby);
      last = match.index + match[0].length;
    }
    if (last < source.length) nodes.push(document.createTextNode(source.slice(last)));
    return nodes;
  };

  /* Marked-up text as plain text (for labels), or with readings for speech in やさしい日本語. */
  B.plain = function (text, reading) {
    return String(text).replace(RUBY, (whole, base, kana) => (reading ? kana : base));
  };

  /* HTML with furigana as <ruby>; values are escaped. */
  B.th = function (msgid, values) {
    const escaped = B.escape(lookup(msgid)).replace(RUBY, (whole, base, kana) => `<ruby>${base}<rt>${kana}</rt></ruby>`);
    return fill(escaped, values, true);
  };

  B.htmlLang = () => (LANGUAGES[B.lang] || LANGUAGES.ja).html;
  B.voiceLang = () => (LANGUAGES[B.lang] || LANGUAGES.ja).voice;

  B.applyI18n = function (root) {
    const scope = root || document;
    for (const node of scope.querySelectorAll("[data-i18n]")) {
      const msgid = node.getAttribute("data-i18n");
      if (node.tagName === "OPTION") node.textContent = B.t(msgid);
      else node.innerHTML = B.th(msgid);
    }
    for (const node of scope.querySelectorAll("[data-i18n-attr]")) {
      for (const pair of node.getAttribute("data-i18n-attr").split(";")) {
        const index = pair.indexOf(":");
        if (index > 0) node.setAttribute(pair.slice(0, index), B.t(pair.slice(index + 1)));
      }
    }
  };

  B.setLanguage = async function (code) {
    if (!catalogues[code]) {
      const response = await fetch(`/map/i18n/${encodeURIComponent(code)}.json`);
      if (!response.ok) throw new Error(`catalogue ${code}: HTTP ${response.status}`);
      catalogues[code] = await response.json();
    }
    B.lang = code;
    document.documentElement.lang = B.htmlLang();
    document.documentElement.setAttribute("data-lang", code);
    document.title = B.t("Disaster map");
    B.store.set("lang", code);
    B.applyI18n(document);
    B.emit("language", code);
  };

  /* Sentences joined the way the language writes them (。 in Japanese). */
  B.sentences = function (parts) {
    const clean = parts.filter(Boolean).map((p) => String(p).replace(/[.。]\s*$/, ""));
    return B.lang.startsWith("ja") ? clean.join("。") + "。" : clean.join(". ") + ".";
  };

  /* The separator of a short list: 、 in Japanese and Chinese, a comma elsewhere. */
  B.listSep = () => (B.lang.startsWith("ja") || B.lang === "zh-Hans" ? "、" : ", ");

  B.formatTime = function (date) {
    if (!date) return "";
    return new Intl.DateTimeFormat(B.htmlLang(), { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(date);
  };

  B.formatDate = function (value) {
    const date = B.parseTime(value);
    if (!date) return "";
    return new Intl.DateTimeFormat(B.htmlLang(), { year: "numeric", month: "long", day: "numeric" }).format(date);
  };

  B.formatNumber = function (value, digits) {
    return new Intl.NumberFormat(B.htmlLang(), { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 }).format(value);
  };

  B.formatDistance = function (metres) {
    if (metres >= 1000) return B.t("{km} km", { km: B.formatNumber(metres / 1000, 1) });
    return B.t("{m} m", { m: B.formatNumber(Math.round(metres / 10) * 10) });
  };

  B.ago = function (date) {
    const minutes = Math.max(0, Math.round((Date.now() - date.getTime()) / 60000));
    if (minutes < 1) return B.t("just now");
    if (minutes < 120) return B.t("{n} min ago", { n: minutes });
    return B.t("{n} hours ago", { n: Math.round(minutes / 60) });
  };

  B.directionWords = function (deg) {
    const N_ = B.N_;
    const words = {
      north: N_("to the north"), "north-east": N_("to the north-east"), east: N_("to the east"),
      "south-east": N_("to the south-east"), south: N_("to the south"), "south-west": N_("to the south-west"),
      west: N_("to the west"), "north-west": N_("to the north-west"),
    };
    return B.tr(words[B.compass(deg)]);
  };
})();
