"""The simulation loop: each station publishes at its interval on a clock that may run faster."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.stations.levels import ACTIVE_INTERVAL_S
from sensors_sim.faults import FaultInjector
from sensors_sim.publisher import Publisher
from sensors_sim.scenarios import LevelAt
from sensors_sim.stations import SimStation

log = logging.getLogger("bosai.sim")
#: A crisis gauge in calm water reports once a day (the importer's expected interval).
QUIET_INTERVAL_S = 24 * 3600
#: The level rose by at least this since the last reading: the gauge counts as rising.
RISING_M = 0.01
BATTERY_V = 12.6


@dataclass
class SimStats:
    """What a run published."""

    readings: int = 0
    payloads: int = 0
    by_station: dict[str, int] = field(default_factory=dict)


@dataclass
class Track:
    """One simulated gauge: where its level comes from and when it reports next."""

    station: SimStation
    level_at: LevelAt
    points: Sequence[float] | None = None  # replay: publish exactly at these offsets
    rain_at: LevelAt | None = None
    last_level: float | None = None
    last_ts: datetime | None = None
    seq: int = 0


@dataclass
class Simulation:
    """Publishes every track until the scenario ends, `count` readings are sent, or `stop` is set."""

    tracks: list[Track]
    publisher: Publisher
    injector: FaultInjector
    duration_s: float | None = None
    speed: float = 1.0
    quiet_interval_s: float = QUIET_INTERVAL_S
    active_interval_s: float = ACTIVE_INTERVAL_S
    rate: float | None = None
    count: int | None = None
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = lambda: datetime.now(UTC)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> SimStats:
        """Run to the end; returns counts."""
        stats = SimStats()
        started = self.clock()
        queue: list[tuple[float, int]] = [(self._first_due(t), i) for i, t in enumerate(self.tracks)]
        heapq.heapify(queue)
        sent = 0
        while queue and not self.stop.is_set():
            if self.count is not None and sent >= self.count:
                break
            due, index = heapq.heappop(queue)
            if self.duration_s is not None and due > self.duration_s:
                break
            wall_due = sent / self.rate if self.rate else due / self.speed
            self.stop.wait(max(0.0, wall_due - (self.clock() - started)))
            sim_t = (self.clock() - started) * self.speed if self.rate else due
            track = self.tracks[index]
            stats.payloads += self._emit(track, sim_t)
            stats.readings += 1
            stats.by_station[track.station.code] = stats.by_station.get(track.station.code, 0) + 1
            sent += 1
            nxt = self._next_due(track, due)
            if nxt is not None:
                heapq.heappush(queue, (nxt, index))
        return stats

    def _first_due(self, track: Track) -> float:
        return track.points[0] if track.points else 0.0

    def _next_due(self, track: Track, due: float) -> float | None:
        if track.points is not None:
            later = [p for p in track.points if p > due]
            return later[0] if later else None
        if self.rate:
            return due + len(self.tracks) / self.rate
        level, station = track.last_level, track.station
        # the gauge samples continuously and reports every 10 minutes once the water rises
        rising = level is not None and track.level_at(due + self.active_interval_s) > level + RISING_M
        active = rising or (level is not None and level >= station.start)
        return due + (self.active_interval_s if active else self.quiet_interval_s)

    def _emit(self, track: Track, sim_t: float) -> int:
        level = round(track.level_at(sim_t), 3)
        ts = self.wall()
        if track.last_ts is not None and ts <= track.last_ts:
            ts = track.last_ts + timedelta(microseconds=1)  # one reading per station and time
        reading: dict[str, Any] = {"ts": ts.isoformat(), "water_level_m": level, "battery_v": BATTERY_V}
        if track.rain_at is not None:
            reading["rain_mm_10min"] = track.rain_at(sim_t)
        reading["seq"] = track.seq
        track.last_level, track.last_ts, track.seq = level, ts, track.seq + 1
        code = track.station.code
        if self.injector.should_reconnect():
            self.publisher.reconnect(code)
        payloads = self.injector.apply(code, reading, hours=sim_t / 3600)
        for payload in payloads:
            self.publisher.publish(code, payload)
        return len(payloads)
