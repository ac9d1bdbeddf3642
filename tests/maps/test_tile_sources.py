"""The GSI raster overlay definitions the map uses."""

from __future__ import annotations

import json

import pytest

from hub.hazards.codes import DEPTH_RANK_LABELS
from hub.hazards.models import HAZARD_ZONE_KINDS
from maps.tile_sources import TILE_SOURCES, tile_source


def test_every_overlay_is_a_complete_xyz_source() -> None:
    assert len({s.id for s in TILE_SOURCES}) == len(TILE_SOURCES)
    for source in TILE_SOURCES:
        assert source.url.startswith("https://disaportaldata.gsi.go.jp/raster/")
        assert source.url.endswith("/{z}/{x}/{y}.png")
        assert source.kind in HAZARD_ZONE_KINDS
        assert source.legend and all(e.colour.startswith("#") and len(e.colour) == 7 for e in source.legend)
        assert "ハザードマップポータルサイト" in source.attribution and source.attribution_url.startswith("https://")
        assert json.loads(json.dumps(source.as_dict()))["id"] == source.id


def test_flood_legend_is_the_national_depth_scale() -> None:
    legend = [entry.label for entry in tile_source("gsi-flood-l2").legend]
    assert legend == [DEPTH_RANK_LABELS[r] for r in range(1, 7)]
    assert {"gsi-flood-l2", "gsi-storm-surge", "gsi-tsunami", "gsi-landslide-debris-flow"} <= {
        s.id for s in TILE_SOURCES
    }
    with pytest.raises(KeyError):
        tile_source("nope")
