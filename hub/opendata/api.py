"""Open data downloads: shelter CSVs (GSI and Tokyo layouts), GeoJSON of every layer, and the index page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from hub.api.caching import GEOJSON, MAX_AGE_DOWNLOAD_S, cached, dump_json
from hub.api.deps import SessionDep
from hub.api.security import Clock, ClockDep
from hub.hazards import layers as queries_geo
from hub.opendata import datasets as opendata
from hub.opendata import queries as queries_opendata
from hub.shelters import queries as queries_public
from hub.stations import queries as queries_stations

router = APIRouter(prefix="/opendata", tags=["open data"])
CSV: Final = "text/csv; charset=utf-8"
HTML: Final = "text/html; charset=utf-8"
ALL_ZONES: Final = 10_000_000
File = Literal[
    "shelters.csv",
    "designated-shelters.csv",
    "shelters-tokyo.csv",
    "shelters.geojson",
    "stations.geojson",
    "hazard-zones.geojson",
    "inundation.geojson",
    "areas.geojson",
    "rivers.geojson",
]
#: The index page's styles, a file of their own: the Content-Security-Policy allows no inline style.
PAGE_CSS: Final = (
    "body{font-family:sans-serif;margin:1rem;line-height:1.5}table{border-collapse:collapse}\n"
    "td,th{border:1px solid #999;padding:.3rem .5rem;vertical-align:top;text-align:left}\n"
)
GsiRow = Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, str]]
#: The national (GSI) layouts: file → (the shelter kind it lists, its row, its columns).
GSI_FILES: Final[dict[str, tuple[str, GsiRow, Sequence[str]]]] = {
    "shelters.csv": ("designated_emergency_site", opendata.gsi_emergency_row, opendata.GSI_EMERGENCY_COLUMNS),
    "designated-shelters.csv": ("designated_shelter", opendata.gsi_shelter_row, opendata.GSI_SHELTER_COLUMNS),
}
#: Statement shown beside the licence: the sources' own terms still apply (see data/README.md).
LICENCE_NOTE: Final = (
    "The hub publishes its compilation under CC BY 4.0. Each source's attribution below must be kept; "
    "the terms of some sources (Shinagawa files, flood-history transcription, k.river.go.jp, W05) are "
    "not yet confirmed — treat those layers as demo data until the ward confirms them."
)


def _csv_body(session: Session, file: str) -> bytes:
    shelters = queries_opendata.shelters_for_export(session)
    wards = queries_opendata.ward_names(session)
    full_names = {code: pref + name for code, (pref, name) in wards.items()}
    if file in GSI_FILES:
        kind, row_of, columns = GSI_FILES[file]
        rows = [row_of(s, full_names) for s in shelters if kind in s["kinds"] and opendata.has_gsi_id(s)]
        return opendata.write_csv(columns, rows)
    return opendata.write_csv(opendata.TOKYO_COLUMNS, [r for s in shelters for r in opendata.tokyo_rows(s, wards)])


def _geojson_body(session: Session, file: str, clock: Clock) -> bytes:
    layers: dict[str, Callable[[], str | bytes]] = {
        "shelters.geojson": lambda: dump_json(
            {"type": "FeatureCollection", "features": queries_public.shelter_features(session)}
        ),
        "stations.geojson": lambda: dump_json(
            {"type": "FeatureCollection", "features": queries_stations.station_features(session, now=clock())}
        ),
        "hazard-zones.geojson": lambda: queries_geo.hazard_zones_geojson(session, limit=ALL_ZONES),
        "inundation.geojson": lambda: queries_geo.inundation_geojson(session),
        "areas.geojson": lambda: queries_geo.areas_geojson(session),
        "rivers.geojson": lambda: queries_geo.rivers_geojson(session),
    }
    body = layers[file]()
    return body.encode("utf-8") if isinstance(body, str) else body


@router.get("/page.css", include_in_schema=False)
def page_css(request: Request) -> Response:
    """The styles of the index page."""
    return cached(request, PAGE_CSS.encode(), media_type="text/css; charset=utf-8", max_age=MAX_AGE_DOWNLOAD_S)


@router.get("/{file}", summary="Download one open-data file", responses={200: {"content": {CSV: {}, GEOJSON: {}}}})
def download(
    request: Request, session: SessionDep, clock: ClockDep, file: Annotated[File, Path(description="file name")]
) -> Response:
    """A CSV (UTF-8 with BOM) or GeoJSON file, cacheable, with a download file name."""
    is_csv = file.endswith(".csv")
    body = _csv_body(session, file) if is_csv else _geojson_body(session, file, clock)
    disposition = f'attachment; filename="bosai-{file}"'
    return cached(
        request,
        body,
        media_type=CSV if is_csv else GEOJSON,
        max_age=MAX_AGE_DOWNLOAD_S,
        content_disposition=disposition,
    )


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "—"


def index_page(counts: dict[str, int], updated: dict[str, datetime | None], hazard_sources: list[str]) -> str:
    """The HTML page listing every file with its licence, attribution and update time (pure)."""
    rows = []
    for d in opendata.DATASETS:
        sources = list(d.attribution) + (hazard_sources if d.table == "hazard_zones" else [])
        rows.append(
            f'<tr><td><a href="{escape(d.file)}">{escape(d.file)}</a></td><td>{escape(d.title)}<br>'
            f"<small>{escape(d.description)}</small></td><td>{escape(d.format)}</td>"
            f"<td>{counts.get(d.table, 0):,}</td><td>{escape(_when(updated.get(d.table)))}</td>"
            f"<td>{'<br>'.join(escape(s) for s in sources)}</td></tr>"
        )
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>オープンデータ / Open data — Bosai Hub</title>
<link rel="stylesheet" href="/opendata/page.css"></head>
<body><h1>オープンデータ / Open data</h1>
<p>ライセンス / Licence: <a rel="license" href="{opendata.LICENCE_URL}">{opendata.LICENCE}</a>.
{escape(LICENCE_NOTE)}</p>
<p>Also as <a href="/ogcapi">OGC API – Features</a> and vector tiles
<code>/tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt</code>.</p>
<table><thead><tr><th>File</th><th>Content</th><th>Format</th><th>Rows</th><th>Updated</th><th>Attribution</th></tr>
</thead><tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""


@router.get("/", summary="The open-data page: every file with its licence and update time", response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> Response:
    """HTML listing the downloads, CC BY 4.0 and each source's attribution."""
    counts, updated = queries_opendata.row_counts(session), queries_opendata.updated_at(session)
    page = index_page(counts, updated, queries_opendata.hazard_sources(session))
    return cached(request, page.encode("utf-8"), media_type=HTML, max_age=MAX_AGE_DOWNLOAD_S)
