"""The simulated device: storage, PIN rules, wallet and the frame-level entry point."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from keybench.protocol import debuglink
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, error_frame
from keybench.protocol.status import SW
from keybench.simulator import display, host_commands, keys
from keybench.simulator.flash import Flash, PowerCut
from keybench.simulator.rng import DeviceRng
from keybench.simulator.storage import Key, RecordStore
from keybench.simulator.ui import Ui

MAX_PIN_FAILS = 5


@dataclass(frozen=True)
class Identity:
    """What the factory burnt in; the defaults are the key-file vector of docs/imkey-facts.md."""

    se_id: str = "19060000000200860001010000000014"
    serial_number: str = "imKey01191200001"
    firmware_version: bytes = bytes.fromhex("1508")
    battery: int = 0x64
    ble_name: str = "imKeyPro"


def pin_hash(pin: str) -> bytes:
    return hashlib.sha256(b"keybench-pin:" + pin.encode("ascii")).digest()


class Device:
    def __init__(self, seed: int | None = None, flash: Flash | None = None, identity: Identity = Identity()):
        self.identity = identity
        self.flash = flash or Flash()
        self.default_seed = int.from_bytes(os.urandom(8), "big") if seed is None else seed
        self.off = False
        self.boot()

    # Power
    def boot(self) -> None:
        self.flash.reset_counter()
        self.store = RecordStore(self.flash)
        self.store.mount()
        if self.pin_fails >= MAX_PIN_FAILS:
            self.store.wipe()  # a wipe that a power cut interrupted
        self.rng = DeviceRng(self.default_seed, self.store.wipes)
        self.unlocked = False
        self.selected: bytes | None = None
        self.ui = Ui(self)
        self.off = False

    def factory_erase(self) -> None:
        for sector in range(self.flash.sectors):
            self.flash.erase(sector)
        self.boot()

    # Stored state
    @property
    def pin_hash(self) -> bytes | None:
        return self.store.get(Key.PIN_HASH)

    @property
    def pin_fails(self) -> int:
        raw = self.store.get(Key.PIN_FAILS)
        return raw[0] if raw else 0

    @property
    def has_wallet(self) -> bool:
        return self.store.get(Key.SEED) is not None

    @property
    def seed(self) -> bytes | None:
        return self.store.get(Key.SEED)

    @property
    def binding_code(self) -> str | None:
        raw = self.store.get(Key.BIND_CODE)
        return raw.decode("ascii") if raw else None

    @property
    def ble_name(self) -> str:
        raw = self.store.get(Key.BLE_NAME)
        return raw.decode("ascii") if raw else self.identity.ble_name

    def set_pin(self, pin: str) -> None:
        self.store.put(Key.PIN_HASH, pin_hash(pin))
        self.unlocked = True

    def try_pin(self, pin: str, wipe_if_right: bool = False) -> tuple[bool, int]:
        """One PIN attempt: count it in storage *before* comparing. Returns (right, attempts left)."""
        fails = self.pin_fails + 1
        self.store.put(Key.PIN_FAILS, bytes([fails]))
        if pin_hash(pin) == self.pin_hash:
            if wipe_if_right:
                self.wipe()
            else:
                self.store.put(Key.PIN_FAILS, bytes([0]))
                self.unlocked = True
            return True, MAX_PIN_FAILS
        if fails >= MAX_PIN_FAILS:
            self.wipe()
            return False, 0
        return False, MAX_PIN_FAILS - fails

    def wipe(self) -> None:
        self.store.wipe()
        self.unlocked = False

    def commit_wallet(self, words: list[str]) -> None:
        # The code goes first: a power cut between the two writes leaves a stray code and no wallet (the next
        # create or restore overwrites it), never a wallet that no app can bind to.
        self.store.put(Key.BIND_CODE, self.rng.binding_code().encode("ascii"))
        self.store.put(Key.SEED, keys.seed_from_words(words))

    # Frames
    def handle(self, frame: Frame) -> Frame | None:
        """Answer one frame; None for frames that get no answer (error frames from the host)."""
        if frame.channel == Channel.ERROR:
            return None
        is_power_on = frame.channel == Channel.DEBUG and frame.payload == bytes([Op.POWER_ON])
        if self.off and not is_power_on:
            return error_frame(ErrorCode.DEVICE_OFF, "the device is off; send debug POWER_ON", frame.seq)
        try:
            if frame.channel == Channel.HOST:
                return Frame(Channel.HOST, frame.seq, host_commands.handle(self, frame.payload))
            try:
                op, arg = debuglink.split(frame.payload)
            except ValueError as exc:
                return error_frame(ErrorCode.BAD_DEBUG_MESSAGE, str(exc), frame.seq)
            sw, data = self.debug(op, arg)
            return Frame(Channel.DEBUG, frame.seq, sw.to_bytes(2, "big") + data)
        except PowerCut as cut:
            self.off = True
            return error_frame(ErrorCode.POWERED_OFF, str(cut), frame.seq)

    def framebuffer(self) -> bytes:
        """What the display shows now (simulator/display.py)."""
        return display.render(self.ui.lines(), self.ui.display_state())

    def debug(self, op: Op, arg: bytes) -> tuple[int, bytes]:
        if op is Op.PRESS:
            return self.ui.press(arg[0]), b""
        if op is Op.TYPE:
            return self.ui.type(arg), b""
        if op is Op.CHOOSE:
            return self.ui.choose(arg), b""
        if op is Op.SCREEN:
            return SW.OK, "\n".join(self.ui.lines()).encode()
        if op is Op.FRAMEBUFFER:
            if arg[0] > 1:
                return SW.COMMAND_DATA_ERROR, b""
            half = debuglink.FB_HALF
            return SW.OK, self.framebuffer()[arg[0] * half:(arg[0] + 1) * half]
        if op in (Op.POWER_CYCLE, Op.POWER_ON):
            if op is Op.POWER_CYCLE or self.off:
                self.boot()
            return SW.OK, b""
        if op is Op.ARM_POWER_CUT:
            n = int.from_bytes(arg, "big")
            if n < 1:
                return SW.COMMAND_DATA_ERROR, b""
            self.flash.arm_cut(n)
            return SW.OK, b""
        if op is Op.SEED_RNG:
            self.rng = DeviceRng(int.from_bytes(arg, "big"), self.store.wipes)
            return SW.OK, b""
        if op is Op.FACTORY_ERASE:
            self.factory_erase()
            return SW.OK, b""
        return SW.OK, self.flash.writes.to_bytes(4, "big")  # STORAGE_WRITES
