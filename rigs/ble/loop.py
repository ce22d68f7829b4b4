"""An asyncio event loop on a background thread, for synchronous callers (pytest-bdd steps never await).

bleak is asyncio-only; the harness is synchronous. Every call from the harness thread is submitted here with a
deadline, so nothing waits forever on a device that went away.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Awaitable, Callable, TypeVar

T = TypeVar("T")

_GRACE_S = 2.0  # how long past its own deadline a cancelled coroutine may take to unwind


class LoopThread:
    def __init__(self, name: str = "keybench-ble"):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        # Stopped: let cancelled tasks unwind, then close.
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.loop.is_closed()

    def run(self, coro: Awaitable[T], timeout: float, what: str = "a BLE operation") -> T:
        """Run `coro` on the loop and wait for its result; TimeoutError after `timeout` seconds."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("LoopThread.run called from its own thread (would deadlock)")
        if not self.running:
            raise RuntimeError(f"the BLE event loop is stopped; cannot run {what}")

        async def bounded() -> T:
            try:
                return await asyncio.wait_for(coro, timeout)
            except asyncio.TimeoutError:
                raise TimeoutError(f"{what} did not finish within {timeout:.1f} s") from None

        future = asyncio.run_coroutine_threadsafe(bounded(), self.loop)
        try:
            return future.result(timeout + _GRACE_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"{what} did not finish within {timeout:.1f} s (and ignored cancellation)") from None

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.running:
            self.loop.call_soon_threadsafe(fn, *args)

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive() and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
