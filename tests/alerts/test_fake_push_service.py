"""The local push service refuses what a real one would, naming why (it is what the Web Push tests trust)."""

from __future__ import annotations

import httpx

from tests.fakes.push_service import FakePushState

VALID = {"TTL": "60", "Content-Encoding": "aes128gcm"}


def test_a_push_without_ttl_is_refused_with_the_reason(fake_push: FakePushState) -> None:
    response = httpx.post(fake_push.endpoint("nottl"), content=b"x", headers={"Content-Encoding": "aes128gcm"})
    assert response.status_code == 400
    assert "TTL" in response.json()["error"]
    assert fake_push.rejected[-1][0] == "nottl"


def test_a_push_without_vapid_or_with_a_forged_one_is_refused(fake_push: FakePushState) -> None:
    missing = httpx.post(fake_push.endpoint("novapid"), content=b"x", headers=VALID)
    assert missing.status_code == 400 and "vapid" in missing.json()["error"]
    forged = httpx.post(
        fake_push.endpoint("forged"), content=b"x", headers=VALID | {"Authorization": "vapid t=a.b.c, k=BBBB"}
    )
    assert forged.status_code == 400
    assert [name for name, _ in fake_push.rejected[-2:]] == ["novapid", "forged"]
    assert not any(r.name in ("novapid", "forged") for r in fake_push.received)


def test_only_post_reaches_the_push_path_and_other_paths_are_not_found(fake_push: FakePushState) -> None:
    got = httpx.get(fake_push.endpoint("someone"))
    assert got.status_code == 405 and got.headers["allow"] == "POST"
    assert httpx.post(f"{fake_push.origin}/push/", content=b"x", headers=VALID).status_code == 404
    assert httpx.post(f"{fake_push.origin}/push/a/b", content=b"x", headers=VALID).status_code == 404
    assert httpx.get(f"{fake_push.origin}/health").json() == {"ok": True}
