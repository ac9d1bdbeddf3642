"""Secrets stay out of the access log: a sign's token in the query string, a shelter link's token in the
path, the Authorization header; checked on the log lines a real request writes."""

from __future__ import annotations

import logging

import httpx
import pytest

from hub.api.access_log import ACCESS_LOGGER, redact
from tests.conftest import LiveServer

SIGN_TOKEN = "sign-token-Zq8xW1vB7nK3pL0a"
LINK_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzaGVsdGVyX2lkIjoxfQ.c2lnbmF0dXJl"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.YmVhcmVy"


def test_a_real_request_line_keeps_no_secret(live_server: LiveServer, caplog: pytest.LogCaptureFixture) -> None:
    access = logging.getLogger(ACCESS_LOGGER)
    access.addHandler(caplog.handler)  # uvicorn's access logger does not propagate to the root
    try:
        with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER), httpx.Client(base_url=live_server.url) as http:
            headers = {"Authorization": f"Bearer {BEARER}"}
            http.get("/signage/some-sign/state", params={"token": SIGN_TOKEN, "lang": "ja"}, headers=headers)
            http.get(f"/staff/s/{LINK_TOKEN}", headers=headers)
    finally:
        access.removeHandler(caplog.handler)
    lines = [record.getMessage() for record in caplog.records if record.name == ACCESS_LOGGER]
    assert any("/signage/some-sign/state?token=***&lang=ja" in line for line in lines), lines
    assert any("/staff/s/*** " in line for line in lines), lines
    text = "\n".join(lines)
    assert SIGN_TOKEN not in text and LINK_TOKEN not in text and BEARER not in text


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/signage/a/events?token=abc", "/signage/a/events?token=***"),
        ("/api/x?access_token=abc&limit=2", "/api/x?access_token=***&limit=2"),
        ("/staff/s/a.b.c", "/staff/s/***"),
        ("/staff/s/a.b.c/next?x=1", "/staff/s/***/next?x=1"),
        ("//[broken?token=abc", "//[broken?***"),
        ("/map?shelter=3", "/map?shelter=3"),
    ],
)
def test_redact(target: str, logged: str) -> None:
    assert redact(target) == logged
