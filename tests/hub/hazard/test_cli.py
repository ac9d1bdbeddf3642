"""`bosai import hazard` and `bosai hazard at` against the test database (committed rows are removed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from bosai.cli import app
from hub.db import get_engine
from hub.settings import Settings, get_settings
from tests.hub.hazard import make_fixtures as fx


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine) -> Iterator[Engine]:
    """The CLI pointed at the test database; every zone it commits is deleted afterwards."""
    monkeypatch.setenv("BOSAI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        yield engine
    finally:
        get_engine().dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM hazard_zones WHERE source LIKE 'cli-test:%'"))


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM hazard_zones WHERE source LIKE 'cli-test:%'")).scalar_one())


def test_import_with_clip_then_ask_a_point(cli_db: Engine, tmp_path: Path) -> None:
    path = fx.write_a31_depth_geojson(tmp_path, 2)
    args = [
        "import",
        "hazard",
        str(path),
        "--source",
        "ksj-a31",
        "--source-name",
        "cli-test:a31",
        "--clip-to-area",
        "13109",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "38 features → " in result.output and "6 inserted" in result.output
    assert _count(cli_db) == 6
    again = CliRunner().invoke(app, args)
    assert "0 inserted, 0 updated, 6 unchanged" in again.output
    lat, lon = fx.POINT_IN_TWO_LAYERS
    answer = CliRunner().invoke(app, ["hazard", "at", str(lat), str(lon), "--json"])
    assert answer.exit_code == 0, answer.output
    layers = json.loads(answer.output)["layers"]
    assert [(x["kind"], x["depth_rank"], x["source"]) for x in layers] == [("river_flood", 3, "cli-test:a31")]
    table = CliRunner().invoke(app, ["hazard", "at", str(lat), str(lon)])
    assert "洪水浸水想定区域" in table.output and "3m以上5m未満" in table.output
    nothing = CliRunner().invoke(app, ["hazard", "at", "35.70", "139.70"])
    assert "No imported hazard zone covers" in nothing.output


def test_bad_file_exits_2_naming_the_field(cli_db: Engine, tmp_path: Path) -> None:
    path = fx.write_bad_a31(tmp_path)
    result = CliRunner().invoke(
        app, ["import", "hazard", str(path), "--source", "ksj-a31", "--source-name", "cli-test:bad"]
    )
    assert result.exit_code == 2
    assert "A31a_205" in result.output and "nothing written" in result.output
    assert _count(cli_db) == 0


def test_unknown_format_and_bad_point_are_usage_errors(cli_db: Engine, tmp_path: Path) -> None:
    path = fx.write_a31_depth_geojson(tmp_path, 2)
    assert CliRunner().invoke(app, ["import", "hazard", str(path), "--source", "ksj-a99"]).exit_code == 2
    assert CliRunner().invoke(app, ["hazard", "at", "135.0", "35.0"]).exit_code == 2


def test_mapped_geojson_through_the_cli(cli_db: Engine, tmp_path: Path) -> None:
    path = fx.write_mapped_geojson(tmp_path)
    args = [
        "import",
        "hazard",
        str(path),
        "--source",
        "geojson",
        "--source-name",
        "cli-test:ward",
        "--kind",
        "inland_flood",
        "--rank-field",
        "浸水深",
        "--river-field",
        "河川",
        "--scenario",
        "想定最大規模",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    answer = json.loads(CliRunner().invoke(app, ["hazard", "at", "35.606", "139.724", "--json"]).output)
    assert [(x["kind"], x["depth_rank"], x["original_code"], x["river_name"]) for x in answer["layers"]] == [
        ("inland_flood", 3, "3m以上5m未満", fx.RIVER)
    ]
    missing = CliRunner().invoke(app, [*args[:-6], "--rank-field", "depth"])
    assert missing.exit_code == 2 and "mapped field depth is missing" in missing.output
