"""The demo data is loaded into the test database."""

from sqlalchemy import text
from sqlalchemy.orm import Session


def test_demo_data_loaded(db: Session) -> None:
    counts: dict[str, int] = {
        t: db.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("shelters", "stations", "areas")
    }
    assert counts == {"shelters": 111 + 413 + 62 + 165, "stations": 4053, "areas": 4}
