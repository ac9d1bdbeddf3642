"""The RFC 8291 encryption of a push message, and the paging of a fan-out's target lookup."""

from __future__ import annotations

import itertools
from typing import Final

import http_ece

from alerts import outbox
from alerts.channels.webpush import encrypt
from tests.fakes.push_service import browser_keys

#: The record size http_ece announces for a single-record body.
RECORD_SIZE: Final = 4096


def test_encryption_is_rfc8291_with_a_fresh_key_per_message() -> None:
    keys = browser_keys("test", "enc")
    payload = "避難してください".encode() * 10
    first, second = encrypt(payload, keys.subscription_keys()), encrypt(payload, keys.subscription_keys())
    assert first[16:20] == RECORD_SIZE.to_bytes(4, "big") and first[20] == 65  # rs, keyid length (RFC 8188)
    assert first[21:86] != second[21:86]  # ephemeral sender key (keyid) differs
    for body in (first, second):
        clear = http_ece.decrypt(body, private_key=keys.private_key, auth_secret=keys.auth, version="aes128gcm")
        assert clear == payload


def test_resolve_pages_start_small_and_cover_every_id() -> None:
    pages = outbox.resolve_pages(100_000)
    assert pages[0] == (0, outbox.FIRST_RESOLVE_PAGE - 1)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(pages))
    assert pages[-1][1] >= 100_000
    assert max(hi - lo + 1 for lo, hi in pages) == outbox.RESOLVE_PAGE
    assert outbox.resolve_pages(0) == [(0, outbox.FIRST_RESOLVE_PAGE - 1)]
