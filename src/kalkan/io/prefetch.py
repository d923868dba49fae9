"""Running a producer one step ahead of its consumer, in a thread of its own.

An import reads and checks lines in Python while the database writes the previous batch;
the database driver lets go of Python's interpreter lock while it works, so the two overlap
on two cores. What the producer raises is raised in the consumer, where it would have been.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")

#: How long a producer waits for room before it looks whether the consumer has gone.
_PUT_WAIT = 0.1


class _End:
    """The producer is done (``error``: what it raised, if anything)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class _Producer(Generic[T]):
    def __init__(self, items: Iterable[T], depth: int) -> None:
        self.items = items
        self.queue: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="kalkan-prefetch", daemon=True)

    def run(self) -> None:
        try:
            for item in self.items:
                if not self.put(item):
                    return
        except BaseException as error:
            self.put(_End(error))
            return
        self.put(_End())

    def put(self, item: T | _End) -> bool:
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=_PUT_WAIT)
            except queue.Full:
                continue
            return True
        return False

    def consume(self) -> Iterator[T]:
        while True:
            item = self.queue.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item


@contextmanager
def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[Iterator[T]]:
    """``items``, produced in a thread up to ``depth`` ahead of the consumer; the thread ends with the block."""
    producer = _Producer(items, depth)
    producer.thread.start()
    try:
        yield producer.consume()
    finally:
        producer.stopped.set()
        producer.thread.join()
