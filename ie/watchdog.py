"""Time limits for rules without a clock read in every regex call.

`regex` can stop a call after `timeout=` seconds, but the option costs about a microsecond
a call: more than a typical anchored match, which is most of what the runtime does. So the
runtime arms one interval timer (SIGALRM) per document instead. At each tick the handler
checks how long the rule now running has been running; past the limit it raises, inside the
regex call if that is where the time goes (`regex` checks for signals while it matches),
and the runtime fails the document with that rule's name.

Where a timer cannot be used (not the main thread, no SIGALRM on this platform, or a timer
already armed by the program that embeds ie) `arm()` returns False and the runtime passes
`timeout=` to every call instead: slower, same limit.
"""

from __future__ import annotations

import importlib
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType


class RuleExpired(TimeoutError):
    """The running rule used up its time on this document."""


class Watchdog:
    """One time limit per rule run: the runtime sets `started` (perf_counter) and `running`
    when a rule begins, and clears `running` when it ends."""

    __slots__ = ("armed", "limit", "running", "started")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started = 0.0
        self.running = False
        self.armed = False  # the timer runs: calls need no `timeout=` of their own

    def arm(self) -> bool:
        """Start the timer for one document; False when no timer can be used here."""
        global _active
        if not _timer_free():
            return False
        if _handler(signal.SIGALRM) is not _tick:
            # installed once and left in place: installing costs more than a document's
            # matching; it does nothing while no watchdog is armed
            signal.signal(signal.SIGALRM, _tick)
        _active = self
        self.running = False
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.limit)
        return True

    def disarm(self) -> None:
        global _active
        signal.setitimer(signal.ITIMER_REAL, 0)
        _active = None
        self.running = False
        self.armed = False

    def tick(self) -> None:
        remaining = self.limit
        if self.running:
            elapsed = time.perf_counter() - self.started
            if elapsed >= self.limit:
                self.running = False
                raise RuleExpired(f"a rule ran longer than {self.limit:g} s")
            remaining = self.limit - elapsed
        signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))


_active: Watchdog | None = None  # the armed watchdog, if any

# `signal.getsignal` tries to turn the handler into an enum member, and for a function
# fails with an exception: 3-4 us a document; the C function underneath answers the same
# in well under one
_handler: Callable[[int], object] = getattr(
    importlib.import_module("_signal"), "getsignal", signal.getsignal
)


def _tick(signum: int, frame: FrameType | None) -> None:
    if _active is not None:
        _active.tick()


def _timer_free() -> bool:
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    return signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
