"""One device on one rig, as a scenario uses it: its link, the person's hands, its power."""
from __future__ import annotations

import hashlib
import time

from keybench.protocol import imkey
from keybench.protocol.debuglink import Op
from keybench.rigs import guard
from keybench.rigs.config import RigConfig, RigError
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands, Hands
from keybench.rigs.link import DEFAULT_TIMEOUT_S, Link, LinkError, PoweredOff
from keybench.rigs.operator import OperatorHands
from keybench.rigs.registry import target_class
from keybench.rigs.target import Target
from keybench.rigs.transport import TransportError

READY_TIMEOUT_S = 20.0


def scenario_seed(rig_seed: int, scenario: str) -> int:
    """Each scenario draws its own stream, the same on every rig, whatever ran before it."""
    digest = hashlib.sha256(rig_seed.to_bytes(8, "big") + scenario.encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Bench:
    def __init__(self, rig: RigConfig, target: Target, link: Link, hands: Hands):
        self.rig, self.target, self.link, self.hands = rig, target, link, hands
        self.user = DeviceUser(hands)
        self.seed: int | None = None
        self._serial: str | None = None

    @classmethod
    def open(cls, rig: RigConfig, hands: Hands | None = None) -> "Bench":
        target = target_class(rig.target)(rig)
        transport = target.start()
        link = Link(transport, timeout=getattr(target, "answer_timeout", DEFAULT_TIMEOUT_S))
        if hands is None:  # no debug link: a bench operator does the physical side (rigs/operator.py)
            hands = DebugLinkHands(link) if rig.has("debug_link") else OperatorHands.for_target(target)
        bench = cls(rig, target, link, hands)
        try:
            link.open_session()  # drop a previous host's leftovers on the line (docs/protocol.md 1.3)
            bench.wait_ready()
        except Exception:
            bench.close()
            raise
        return bench

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Ready = the device answers its lifecycle APDU. Any rig's device does, debug link or not."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.link.apdu(imkey.LIFECYCLE, timeout=min(2.0, max(deadline - time.monotonic(), 0.1)))
                return
            except LinkError as exc:
                if time.monotonic() >= deadline:
                    raise RigError(f"{self.target.describe()}: the device did not answer within "
                                   f"{timeout:.0f} s ({exc})") from None

    def prepare(self, scenario: str) -> None:
        """A factory-new device with a reproducible random stream, where the rig can do that."""
        try:
            self.link.apdu(imkey.LIFECYCLE)
        except PoweredOff:  # the last scenario ended with a power cut
            self.power_on()
        if self.rig.has("factory_erase"):
            refusal = guard.wipe_refusal(self.rig, self.device_serial() if self.rig.physical else None)
            if refusal:  # an erase is a wipe: never on a physical device the rig file does not allow
                raise guard.WipeRefused(refusal)
            self.link.debug_ok(Op.FACTORY_ERASE)
        if self.rig.seed is not None:
            self.seed = scenario_seed(self.rig.seed, scenario)
        self._reseed()

    def device_serial(self) -> str:
        """The device's serial number (APDU 80CA004400), read once: the guard rail checks it before a wipe."""
        if self._serial is None:
            self._serial = guard.read_serial(self.link)
        return self._serial

    def _reseed(self) -> None:
        if self.seed is not None and self.rig.has("debug_link"):
            self.link.debug_ok(Op.SEED_RNG, self.seed.to_bytes(8, "big"))

    def power_cycle(self) -> None:
        self.target.power_cycle(self.link)
        self.wait_ready()
        self._reseed()

    def arm_power_cut(self, nth_write: int) -> None:
        self.link.debug_ok(Op.ARM_POWER_CUT, nth_write.to_bytes(2, "big"))

    def power_on(self) -> None:
        self.target.power_on(self.link)
        self.wait_ready()
        self._reseed()

    def health(self, error: BaseException | None = None) -> str | None:
        """What broke on the bench, in one line, or None: then `error` is the product's (or the test's).

        The bench is broken when its target says so (an emulator exited) or when `error`, or what caused it, is
        the byte stream itself failing (a closed socket, a vanished port). A device that answers wrongly, or
        not at all on a live stream, is a product failure.
        """
        problem = self.target.health()
        if problem:
            return f"{self.target.describe()}: {problem}"
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if isinstance(error, TransportError):
                return f"{self.target.describe()}: {str(error).splitlines()[0]}"
            error = error.__cause__ or error.__context__
        return None

    def close(self) -> None:
        try:
            self.link.close()
        finally:
            self.target.stop()
