"""Sensor faults: gaps, duplicates, out-of-order, spikes, stuck values, battery drain, malformed. Pure."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

FAULT_NAMES = ("gap", "duplicate", "out_of_order", "spike", "stuck", "malformed", "reconnect", "battery_drain")
SPIKE_M = 3.0
STUCK_READINGS = 6
FULL_BATTERY_V = 12.8
MALFORMED_PAYLOADS = (b'{"ts": ', b"not json", b"[1, 2, 3]", b'{"ts": "yesterday", "water_level_m": 1}')


@dataclass(frozen=True)
class Faults:
    """Probability per reading of each fault; battery_drain is volts per simulated hour."""

    gap: float = 0.0
    duplicate: float = 0.0
    out_of_order: float = 0.0
    spike: float = 0.0
    stuck: float = 0.0
    malformed: float = 0.0
    reconnect: float = 0.0
    battery_drain: float = 0.0

    @classmethod
    def parse(cls, specs: list[str]) -> Faults:
        """Faults from NAME=VALUE strings (e.g. gap=0.05); a clear error names a bad one."""
        values: dict[str, float] = {}
        for spec in specs:
            name, _, raw = spec.partition("=")
            name = name.strip().replace("-", "_")
            if name not in FAULT_NAMES:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
            try:
                value = float(raw) if raw else 0.05
            except ValueError as exc:
                raise ValueError(f"fault {name}: {raw!r} is not a number") from exc
            if value < 0 or (name != "battery_drain" and value > 1):
                raise ValueError(f"fault {name}: {value} must be a probability in [0, 1]")
            values[name] = value
        return cls(**values)


@dataclass
class _StationFaults:
    stuck_level: float | None = None
    stuck_left: int = 0
    held: bytes | None = None


@dataclass
class FaultInjector:
    """Turns one reading into the payloads a faulty sensor would send (seeded, so reproducible)."""

    faults: Faults
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    stations: dict[str, _StationFaults] = field(default_factory=dict)

    def apply(self, code: str, reading: dict[str, Any], *, hours: float) -> list[bytes]:
        """Payloads to publish now for this reading (none for a gap, two for a duplicate, ...)."""
        f, state = self.faults, self.stations.setdefault(code, _StationFaults())
        if f.battery_drain:
            reading["battery_v"] = round(max(0.0, FULL_BATTERY_V - f.battery_drain * hours), 2)
        level = reading.get("water_level_m")
        if level is not None:
            if state.stuck_left:
                reading["water_level_m"], state.stuck_left = state.stuck_level, state.stuck_left - 1
            elif self._hit(f.stuck):
                state.stuck_level, state.stuck_left = level, STUCK_READINGS
            elif self._hit(f.spike):
                reading["water_level_m"] = round(level + self.rng.choice((SPIKE_M, -SPIKE_M)), 3)
        if self._hit(f.gap):
            return []
        payload = json.dumps(reading).encode()
        out = [payload, payload] if self._hit(f.duplicate) else [payload]
        if self._hit(f.malformed):
            out.append(self.rng.choice(MALFORMED_PAYLOADS))
        if state.held is not None:
            out.append(state.held)
            state.held = None
        elif self._hit(f.out_of_order):
            state.held = out.pop(0)
        return out

    def should_reconnect(self) -> bool:
        """Whether the sensor drops its broker connection now."""
        return self._hit(self.faults.reconnect)

    def _hit(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability
