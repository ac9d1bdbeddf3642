"""Every table of Bosai Hub on the shared declarative Base: the hub's resources' and the alert engine's."""

from __future__ import annotations

from sqlalchemy import MetaData

import alerts.models
import hub.areas.models
import hub.audit.models
import hub.events.models
import hub.hazards.models
import hub.orders.models
import hub.shelters.models
import hub.stations.models
import hub.users.models
from hub.orm import Base

#: The modules whose tables make up the schema (Alembic compares them with the migrations).
MODEL_MODULES = (
    alerts.models,
    hub.areas.models,
    hub.audit.models,
    hub.events.models,
    hub.hazards.models,
    hub.orders.models,
    hub.shelters.models,
    hub.stations.models,
    hub.users.models,
)
metadata: MetaData = Base.metadata
