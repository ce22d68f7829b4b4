"""Places this process holds, released on every way out: a lab place left locked blocks everyone else.

The normal way out is Target.stop() from a finally block or a fixture's teardown (pytest runs those on Ctrl-C
too). Two more are covered here: SIGTERM (a CI job cancelled, `timeout`), which Python would otherwise end
without running any finally block, becomes KeyboardInterrupt; and an atexit hook releases whatever is still
held when the interpreter ends some other way (sys.exit from a thread, an error in a teardown). Only SIGKILL
leaves a lock behind; docs/lab.md says how to release it by hand.
"""
from __future__ import annotations

import atexit
import signal
import threading
from typing import Callable

_held: dict[int, Callable[[], None]] = {}  # id -> its release function
_lock = threading.Lock()
_installed = False


def hold(key: int, release: Callable[[], None]) -> None:
    """Remember how to release what `key` (a target) holds, until forget(key)."""
    global _installed
    with _lock:
        _held[key] = release
        if not _installed:
            atexit.register(release_all)
            _sigterm_as_interrupt()
            _installed = True


def forget(key: int) -> None:
    with _lock:
        _held.pop(key, None)


def release_all() -> None:
    with _lock:
        pending = list(_held.values())
        _held.clear()
    for release in pending:
        try:
            release()
        except Exception:  # noqa: BLE001 - best effort on the way out; each release says what failed itself
            pass


def _sigterm_as_interrupt() -> None:
    """SIGTERM raises KeyboardInterrupt in the main thread, so teardowns run as on Ctrl-C. A handler someone
    else installed (xdist's, a QA tool's) is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
