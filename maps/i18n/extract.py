"""Find every translatable string of the map (templates, JS, Python) and keep the .po catalogues in step."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from maps.i18n import CODES, DOMAIN, I18N_DIR, po_path

PACKAGE = I18N_DIR.parent
#: gettext calls in JS and in templates: B.t("…"), B.th("…"), B.tr("…"), N_("…"), t.html('…'), t.text("…").
_CALL = re.compile(r"""(?:\bt|\bth|\btr|\bN_|t\.html|t\.text)\(\s*(["'])((?:\\.|(?!\1).)+)\1""")
#: Markup attributes naming a msgid.
_ATTR = re.compile(r"""data-(?:i18n|title)="([^"{]+)\"""")
_ATTR_PAIRS = re.compile(r"""data-i18n-attr="([^"]+)\"""")
POT_PATH = I18N_DIR / f"{DOMAIN}.pot"


@dataclass(frozen=True)
class Found:
    """One msgid and where it was seen."""

    msgid: str
    path: str
    line: int


def _unescape(text: str) -> str:
    return text.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def scan_text(text: str, path: str) -> list[Found]:
    """msgids in a JS or template source (pure)."""
    found: list[Found] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found += [Found(_unescape(m.group(2)), path, number) for m in _CALL.finditer(line)]
        found += [Found(m.group(1), path, number) for m in _ATTR.finditer(line)]
        for match in _ATTR_PAIRS.finditer(line):
            for pair in match.group(1).split(";"):
                if ":" in pair:
                    found.append(Found(pair.split(":", 1)[1], path, number))
    return found


def scan_python(text: str, path: str) -> list[Found]:
    """msgids marked with N_("…") in a Python module (pure)."""
    found: list[Found] = []
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "N_"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Found(node.args[0].value, path, node.lineno))
    return found


def sources() -> list[Path]:
    """Files that may hold translatable strings."""
    return sorted(
        [
            *(PACKAGE / "templates").glob("*.html"),
            *(PACKAGE / "static" / "js").glob("*.js"),
            PACKAGE / "config.py",
            PACKAGE / "export.py",
        ]
    )


def extract() -> list[Found]:
    """Every msgid of the map, in source order."""
    out: list[Found] = []
    for path in sources():
        relative = str(path.relative_to(PACKAGE.parent))
        text = path.read_text("utf-8")
        out += scan_python(text, relative) if path.suffix == ".py" else scan_text(text, relative)
    return out


def template_catalogue() -> Catalog:
    """The .pot catalogue: every msgid with its locations."""
    catalogue = Catalog(domain=DOMAIN, project="bosai-hub maps", charset="utf-8")
    for item in extract():
        catalogue.add(item.msgid, locations=[(item.path, item.line)])
    return catalogue


def update_catalogues() -> dict[str, int]:
    """Write the .pot and merge it into every language's .po; returns untranslated counts per language."""
    template = template_catalogue()
    with POT_PATH.open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=False, width=120)
    missing: dict[str, int] = {}
    for code in CODES:
        path = po_path(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalogue = read_po(handle, domain=DOMAIN)
        else:
            catalogue = Catalog(domain=DOMAIN, charset="utf-8")
        catalogue.update(template, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalogue, width=120, ignore_obsolete=True, include_previous=False)
        missing[code] = sum(1 for m in catalogue if m.id and not m.string)
    return missing
