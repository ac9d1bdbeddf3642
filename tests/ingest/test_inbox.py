"""The hand-off between the network thread and the writer."""

from __future__ import annotations

import threading
import time

from ingest.inbox import Inbox


def test_take_returns_items_in_order_across_chunks() -> None:
    inbox: Inbox[int] = Inbox()
    inbox.put_many(list(range(5)))
    inbox.put(5)
    inbox.put_many([])
    inbox.put_many(list(range(6, 10)))
    assert inbox.qsize() == 10
    got = []
    while chunk := inbox.take(3):
        assert len(chunk) <= 3
        got += chunk
    assert got == list(range(10))
    assert inbox.qsize() == 0


def test_wait_reports_the_oldest_arrival_and_times_out_when_empty() -> None:
    inbox: Inbox[str] = Inbox()
    assert inbox.wait(0.01) is None
    before = time.monotonic()
    inbox.put_many(["a", "b"])
    arrived = inbox.wait(1.0)
    assert arrived is not None and before <= arrived <= time.monotonic()
    assert inbox.take(1) == ["a"]
    assert inbox.wait(0.0) == arrived  # "b" came with "a"


def test_wait_wakes_when_another_thread_puts() -> None:
    inbox: Inbox[int] = Inbox()
    timer = threading.Timer(0.05, inbox.put, args=(1,))
    timer.start()
    try:
        assert inbox.wait(5.0) is not None
        assert inbox.take(10) == [1]
    finally:
        timer.join()
