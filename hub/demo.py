"""The bundled demo data set of the four wards and how to load it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.db import transaction
from hub.importers.areas import import_areas, import_rivers
from hub.importers.common import ImportReport
from hub.importers.inundation import import_inundation
from hub.importers.shelters import import_shelters
from hub.importers.stations import import_stations

SHINAGAWA = "13109"


@dataclass(frozen=True)
class DemoFile:
    """One bundled file and how to import it."""

    path: str
    load: Callable[[Session, Path], ImportReport]


DEMO_FILES: tuple[DemoFile, ...] = (
    DemoFile("boundaries/n03_4wards.geojson", lambda s, p: import_areas(s, p)),
    DemoFile("river/w05_rivers_4wards_clipped.geojson", lambda s, p: import_rivers(s, p)),
    DemoFile("river/kriver_water_level_gauges_thresholds.csv", lambda s, p: import_stations(s, p)),
    DemoFile(
        "shelters/gsi_designated_emergency_evacuation_sites_4wards.geojson",
        lambda s, p: import_shelters(s, p),
    ),
    DemoFile("shelters/gsi_designated_shelters_4wards.geojson", lambda s, p: import_shelters(s, p)),
    DemoFile("shelters/shinagawa_shelters_and_wide_area_evac_sites.csv", lambda s, p: import_shelters(s, p)),
    # One row of this file has an impossible coordinate (43'72"); it is reported and skipped.
    DemoFile(
        "shelters/shinagawa_temporary_assembly_points_original_cp932.csv",
        lambda s, p: import_shelters(s, p, coords="dms", skip_invalid=True),
    ),
    DemoFile(
        "hazard/shinagawa_inundation_history_1989_2020_nakanobu_futaba.csv",
        lambda s, p: import_inundation(s, p, ward_code=SHINAGAWA),
    ),
    DemoFile(
        "hazard/shinagawa_inundation_2025-09-11_nakanobu_futaba_classes.csv",
        lambda s, p: import_inundation(s, p, ward_code=SHINAGAWA),
    ),
)


def load_demo(engine: Engine, data_dir: Path) -> list[tuple[ImportReport, float]]:
    """Load every bundled file, each in its own transaction; returns reports with seconds taken."""
    results: list[tuple[ImportReport, float]] = []
    for item in DEMO_FILES:
        started = time.perf_counter()
        with transaction(engine) as session:
            report = item.load(session, data_dir / item.path)
        results.append((report, time.perf_counter() - started))
    return results
