"""Hand-off from the MQTT network thread (paho's on_message) to the writer thread."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    """A FIFO of chunks without a lock: the network thread appends, the writer takes in runs."""

    def __init__(self) -> None:
        self._chunks: deque[tuple[float, list[T]]] = deque()
        self._ready = threading.Event()
        self._head = 0  # items of the first chunk already taken
        self._added = 0  # written by the network thread only
        self._taken = 0  # written by the writer thread only

    def put_many(self, items: list[T]) -> None:
        """Append a run of items (network thread); they arrived now."""
        if not items:
            return
        self._chunks.append((time.monotonic(), items))
        self._added += len(items)
        if not self._ready.is_set():
            self._ready.set()

    def put(self, item: T) -> None:
        """Append one item."""
        self.put_many([item])

    def wait(self, timeout: float) -> float | None:
        """Wait up to `timeout` s for an item; the monotonic time the oldest one arrived, or None."""
        while not self._chunks:
            self._ready.clear()
            if self._chunks:
                break
            if timeout <= 0 or not self._ready.wait(timeout):
                return None
            timeout = 0.0
        try:
            return self._chunks[0][0]
        except IndexError:  # only the writer takes, so this cannot happen
            return None

    def take(self, limit: int) -> list[T]:
        """Remove and return up to `limit` items, oldest first (writer thread)."""
        out: list[T] = []
        while self._chunks and len(out) < limit:
            items = self._chunks[0][1]
            stop = self._head + limit - len(out)
            if stop >= len(items):
                self._chunks.popleft()
                out += items[self._head :] if self._head else items
                self._head = 0
            else:
                out += items[self._head : stop]
                self._head = stop
        self._taken += len(out)
        return out

    def qsize(self) -> int:
        """Items waiting (approximate)."""
        return self._added - self._taken
