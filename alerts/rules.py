"""Alert rules as data: station events and evacuation orders → alert drafts (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
HAZARDS = ("flood", "landslide", "storm_surge", "earthquake", "tsunami", "large_fire", "inland_flood", "volcano")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

Source = Literal["station_event", "evacuation_order"]
Direction = Literal["rising", "falling", "any"]
TargetArea = Literal["river_flood_zone", "station", "order"]
Scope = Literal["Public", "Restricted", "Private"]


class RuleError(ValueError):
    """The rules file is invalid: which rule, which field, why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Strict):
    """Conditions on the event; every given condition must hold."""

    event_kinds: tuple[str, ...] = ()
    to_states: tuple[str, ...] = ()
    to_state_prefix: str | None = None
    direction: Direction = "any"
    min_alert_level: int | None = Field(default=None, ge=1, le=5)
    levels: tuple[int, ...] = ()


class AlertSpec(_Strict):
    """What the drafted alert says."""

    kind: str = Field(min_length=1, max_length=32)
    template: str = Field(min_length=1)
    hazard: Literal[HAZARDS] | None = None  # type: ignore[valid-type]
    level: int | None = Field(default=None, ge=1, le=5)
    urgency: Literal[URGENCIES] = "Expected"  # type: ignore[valid-type]
    severity: Literal[SEVERITIES] = "Moderate"  # type: ignore[valid-type]
    certainty: Literal[CERTAINTIES] = "Likely"  # type: ignore[valid-type]
    scope: Scope = "Public"
    expires_after_minutes: int = Field(gt=0, le=7 * 24 * 60)


class TargetSpec(_Strict):
    """Where the alert applies: the river's flood zone, around the station, or the order's areas."""

    area: TargetArea
    buffer_m: float = Field(default=400.0, gt=0, le=5000)
    radius_m: float = Field(default=1000.0, gt=0, le=10000)


class Rule(_Strict):
    """One rule: a source, conditions, the alert it drafts and where."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    source: Source
    when: When
    alert: AlertSpec
    target: TargetSpec
    auto_send: bool = False

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.auto_send and self.alert.scope == "Public":
            raise ValueError("auto_send is only allowed for staff-only notices (scope Restricted or Private)")
        if self.source == "evacuation_order" and self.target.area != "order":
            raise ValueError("evacuation_order rules target the order's areas (target.area: order)")
        if self.source == "station_event" and self.target.area == "order":
            raise ValueError("station_event rules cannot target an order's areas")
        if self.source == "station_event" and not self.when.event_kinds:
            raise ValueError("station_event rules need when.event_kinds")
        return self


class RuleSet(_Strict):
    """Every rule, with the order of the level states (lowest first)."""

    version: Literal[1]
    state_order: tuple[str, ...] = Field(min_length=2)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
        for rule in self.rules:
            if rule.when.event_kinds != ("level",):
                continue
            unknown = [s for s in rule.when.to_states if s not in self.state_order]
            if unknown:
                raise ValueError(f"rule {rule.id}: to_states {unknown} not in state_order")
        return self

    def rank(self, state: str | None) -> int | None:
        """Position of a level state in state_order, None when unknown."""
        return self.state_order.index(state) if state in self.state_order else None


@dataclass(frozen=True)
class EventFacts:
    """What the rules look at: a station event or an issued evacuation order."""

    source: Source
    kind: str
    observed_at: datetime
    from_state: str | None = None
    to_state: str | None = None
    alert_level: int | None = None
    order_level: int | None = None
    hazard: str | None = None


@dataclass(frozen=True)
class AlertDraft:
    """An alert the rules propose, before its area and messages are resolved."""

    rule_id: str
    kind: str
    template: str
    hazard: str | None
    level: int | None
    urgency: str
    severity: str
    certainty: str
    scope: str
    expires_at: datetime
    target: TargetSpec
    auto_send: bool
    extra: dict[str, Any] = field(default_factory=dict)


def parse_rules(data: Any, *, origin: str = "rules") -> RuleSet:
    """Validate rules data; RuleError names the rule and field that are wrong."""
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc)
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(data, dict):
                rules = data.get("rules") or []
                if loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
                    where = f"rule {rules[loc[1]].get('id', loc[1])!s}: " + ".".join(str(p) for p in loc[2:])
            problems.append(f"{where}: {err['msg']}")
        raise RuleError(f"{origin}: " + "; ".join(problems)) from exc


def load_rules(path: Path = RULES_FILE) -> RuleSet:
    """Read and validate a rules YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from exc
    return parse_rules(data, origin=str(path))


@lru_cache
def default_rules() -> RuleSet:
    """The bundled rules, read once."""
    return load_rules()


def _direction(rules: RuleSet, facts: EventFacts) -> Direction:
    before, after = rules.rank(facts.from_state), rules.rank(facts.to_state)
    if before is None or after is None or before == after:
        return "any"
    return "rising" if after > before else "falling"


def matches(rule: Rule, rules: RuleSet, facts: EventFacts) -> bool:
    """True when every condition of the rule holds for the event."""
    when = rule.when
    if rule.source != facts.source:
        return False
    if when.event_kinds and facts.kind not in when.event_kinds:
        return False
    if when.to_states and facts.to_state not in when.to_states:
        return False
    if when.to_state_prefix and not (facts.to_state or "").startswith(when.to_state_prefix):
        return False
    if when.direction != "any" and _direction(rules, facts) != when.direction:
        return False
    if when.min_alert_level is not None and (facts.alert_level or 0) < when.min_alert_level:
        return False
    return not (when.levels and facts.order_level not in when.levels)


def draft(rule: Rule, facts: EventFacts) -> AlertDraft:
    """The alert draft a matching rule produces for the event."""
    spec = rule.alert
    level = spec.level if spec.level is not None else (facts.order_level or facts.alert_level)
    return AlertDraft(
        rule_id=rule.id,
        kind=spec.kind,
        template=spec.template,
        hazard=spec.hazard or facts.hazard,
        level=level,
        urgency=spec.urgency,
        severity=spec.severity,
        certainty=spec.certainty,
        scope=spec.scope,
        expires_at=facts.observed_at + timedelta(minutes=spec.expires_after_minutes),
        target=rule.target,
        auto_send=rule.auto_send,
    )


def alert_drafts(rules: RuleSet, facts: EventFacts) -> list[AlertDraft]:
    """Drafts of every matching rule; the first match per alert kind wins (rules are ordered)."""
    drafts: list[AlertDraft] = []
    seen: set[str] = set()
    for rule in rules.rules:
        if rule.alert.kind in seen or not matches(rule, rules, facts):
            continue
        seen.add(rule.alert.kind)
        drafts.append(draft(rule, facts))
    return drafts
