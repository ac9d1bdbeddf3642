"""Input types shared by request models: instants a client may send (timezone-aware, within a sane window)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime

#: Instants accepted from clients. Far from the calendar's ends: year 1 in Asia/Tokyo is +09:18:59 local
#: mean time in CAP, year 9999 overflows as soon as anything adds to it.
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)


def plausible_instant(value: datetime) -> datetime:
    """The instant, if it lies between EARLIEST and LATEST."""
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


#: A timezone-aware instant between 2000 and 2100 (422 otherwise).
Instant = Annotated[AwareDatetime, AfterValidator(plausible_instant)]
