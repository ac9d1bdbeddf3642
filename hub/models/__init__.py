"""The hub's data model: every table of Bosai Hub."""

from hub.models.base import SRID, Base
from hub.models.events import Event
from hub.models.geo import DEPTH_RANKS, Area, HazardZone, InundationRecord, River
from hub.models.operations import (
    Alert,
    AuditEntry,
    Delivery,
    EvacuationOrder,
    SignageDevice,
    Subscription,
    User,
)
from hub.models.sensors import DeadLetter, Reading, Station, StationEvent, StationStateRecord
from hub.models.shelters import HAZARDS, SHELTER_KINDS, SHELTER_STATUSES, Shelter

__all__ = [
    "DEPTH_RANKS",
    "HAZARDS",
    "SHELTER_KINDS",
    "SHELTER_STATUSES",
    "SRID",
    "Alert",
    "Area",
    "AuditEntry",
    "Base",
    "DeadLetter",
    "Delivery",
    "EvacuationOrder",
    "Event",
    "HazardZone",
    "InundationRecord",
    "Reading",
    "River",
    "Shelter",
    "SignageDevice",
    "Station",
    "StationEvent",
    "StationStateRecord",
    "Subscription",
    "User",
]
