"""Alert rules: validation on load and which events draft which alerts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from alerts.rules import EventFacts, RuleError, alert_drafts, default_rules, load_rules, parse_rules

AT = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


def level_event(from_state: str, to_state: str, level: int | None = None) -> EventFacts:
    return EventFacts("station_event", "level", AT, from_state=from_state, to_state=to_state, alert_level=level)


def test_bundled_rules_load() -> None:
    rules = default_rules()
    assert {r.id for r in rules.rules} >= {"river-danger", "river-flooding", "order-level-4"}


def test_rising_to_danger_drafts_a_public_level_4_alert_that_waits_for_an_approver() -> None:
    drafts = alert_drafts(default_rules(), level_event("evacuation", "danger", 4))
    assert [d.rule_id for d in drafts] == ["river-danger"]
    draft = drafts[0]
    assert (draft.level, draft.hazard, draft.scope, draft.auto_send) == (4, "flood", "Public", False)
    assert (draft.urgency, draft.severity) == ("Immediate", "Severe")
    assert draft.expires_at == AT + timedelta(hours=6)
    assert draft.target.area == "river_flood_zone"


def test_caution_is_a_staff_notice_that_may_auto_send() -> None:
    [draft] = alert_drafts(default_rules(), level_event("standby", "caution", 2))
    assert draft.scope == "Restricted" and draft.auto_send


def test_falling_water_is_not_a_new_public_alert() -> None:
    drafts = alert_drafts(default_rules(), level_event("danger", "evacuation", 3))
    assert [d.rule_id for d in drafts] == ["river-falling"]
    assert drafts[0].scope == "Restricted"


def test_rate_and_stale_events() -> None:
    rate = EventFacts("station_event", "rate", AT, from_state="steady", to_state="rise_30min", alert_level=2)
    stale = EventFacts("station_event", "stale", AT, from_state="fresh", to_state="stale")
    fresh = EventFacts("station_event", "stale", AT, from_state="stale", to_state="fresh")
    assert [d.rule_id for d in alert_drafts(default_rules(), rate)] == ["rate-of-rise"]
    assert [d.rule_id for d in alert_drafts(default_rules(), stale)] == ["gauge-stale"]
    assert alert_drafts(default_rules(), fresh) == []


def test_evacuation_order_by_level() -> None:
    facts = EventFacts("evacuation_order", "issued", AT, order_level=5, hazard="storm_surge")
    [draft] = alert_drafts(default_rules(), facts)
    assert (draft.kind, draft.level, draft.hazard, draft.severity) == ("evacuation_order", 5, "storm_surge", "Extreme")


def _bundled() -> dict[str, object]:
    data = yaml.safe_load(Path("alerts/rules.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_a_public_rule_cannot_auto_send() -> None:
    data = _bundled()
    rules = data["rules"]
    assert isinstance(rules, list)
    rules[1]["auto_send"] = True
    with pytest.raises(RuleError, match=r"rule river-danger: .*auto_send is only allowed"):
        parse_rules(data)


def test_errors_name_the_rule_and_field(tmp_path: Path) -> None:
    data = _bundled()
    rules = data["rules"]
    assert isinstance(rules, list)
    rules[0]["alert"]["urgency"] = "Soon"
    rules[0]["when"]["to_states"] = ["overflowing"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_rules(path)
    assert "rule river-flooding: alert.urgency" in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_state_and_duplicate_ids_are_rejected() -> None:
    data = _bundled()
    rules = data["rules"]
    assert isinstance(rules, list)
    rules[0]["when"]["to_states"] = ["overflowing"]
    with pytest.raises(RuleError, match="not in state_order"):
        parse_rules(data)
    data = _bundled()
    rules = data["rules"]
    assert isinstance(rules, list)
    rules[1]["id"] = rules[0]["id"]
    with pytest.raises(RuleError, match="duplicate rule ids"):
        parse_rules(data)


def test_bad_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules(path)
