"""`python -m bench api --runs N`: the median ratio per endpoint, its range and the runs meeting the issue's targets."""

from __future__ import annotations

from bench.api import ApiBench, Measure, report_lines, summary_lines


def measure(kind: str, run: int, api_rps: float, pgbench_tps: float) -> Measure:
    return Measure(f"GET {kind}", api_rps, 10.0, pgbench_tps, 5.0, kind=kind, run=run)


def test_medians_ranges_and_targets_over_runs() -> None:
    measures = [
        measure("nearest", 1, 1_000, 2_500),
        measure("tile", 1, 80, 100),
        measure("nearest", 2, 2_000, 3_600),
        measure("tile", 2, 60, 100),
        measure("nearest", 3, 1_800, 3_000),
        measure("tile", 3, 90, 100),
    ]
    result = ApiBench(shelters=10, synthetic=0, duration_s=1, connections=8, workers=2, measures=measures)
    lines = summary_lines(result)
    assert lines[0] == "over 3 runs"
    nearest = next(line for line in lines if "nearest" in line)
    assert nearest.endswith("median 0.56× (range 0.40–0.60)")  # measured, no target (issue 17)
    tile = next(line for line in lines if "tile" in line)
    assert "median 0.80× (range 0.60–0.90); ≥ 0.7× in 2 of 3 runs" in tile
    assert report_lines(result)[1].startswith("run 1 GET nearest")


def test_a_single_run_prints_no_run_numbers() -> None:
    result = ApiBench(1, 0, 1, 8, 2, [measure("nearest", 1, 1_000, 2_000)])
    assert report_lines(result)[1].startswith("GET nearest") and "0.50×" in report_lines(result)[1]
