"""`python -m bench fanout --runs N` reports the median and range of the runs beside the target."""

from __future__ import annotations

from bench.fanout import FanoutBench, summary_lines


def run_with(share: float | None, rate: float | None, *, duplicates: int = 0) -> FanoutBench:
    floor = 7000.0
    return FanoutBench(100_000, 2, 4, 100_000, duplicates, 0, 2000, 0.2, 30.0, rate, floor, share, 12_000.0)


def test_median_range_and_runs_at_target_are_reported() -> None:
    lines = summary_lines([run_with(0.41, 2870), run_with(0.55, 3850), run_with(0.60, 4200), run_with(None, None)])
    text = "\n".join(lines)
    assert lines[0] == "over 4 runs"
    assert "median 0.55 × (range 0.41–0.60); ≥ 0.5× in 2 of 4 runs" in text
    assert "median 3,850 deliveries/s (range 2,870–4,200)" in text


def test_duplicates_of_every_run_are_added_up() -> None:
    text = "\n".join(summary_lines([run_with(0.5, 3500), run_with(0.5, 3500, duplicates=3)]))
    assert "duplicates 3" in text
    assert "≥ 0.5× in 2 of 2 runs" in text
