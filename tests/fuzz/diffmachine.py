"""The differential state machine (firmware/tools/difftest.py runs it; docs/fuzzing.md): host commands, button
presses and typing, whole flows (PIN, create, restore, bind, reset), power cycles, power cuts inside writes, a
killed process, session syncs and link garbage, sent to the simulator and to a firmware in lockstep; every answer
frame, the screen and both framebuffer halves after every step must be equal byte for byte. A mismatch shrinks to a
short list of steps.

The simulator is the oracle the machine steers by: it knows the screen, the words to check and the binding code, so
whole flows are single rules that reach deep states, and each run starts from a state its first rule chooses.
It replaces difftest.py's random generator: a failure now shrinks to the few steps that matter.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

from difftest import SENTINEL_SEQ, STATS, SimSide  # noqa: E402
from keybench.protocol import binding, imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.framing import Channel, Frame  # noqa: E402
from keybench.simulator import host_commands  # noqa: E402
from keybench.simulator.device import Device  # noqa: E402
from keybench.simulator.ui import Screen  # noqa: E402

MNEMONICS = [
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",  # bad sum
    "vessel ladder alter error federal sibling chat ability sun glass valve picture",
]
PATHS = ["m/44'/60'/0'/0/0", "m/44'/0'/0'/0/1", "m/49'/0'/0'", "m/0/1", "m/1", "m/44'/60'/0'/0/", "m//0",
         "m/2147483648", "m/2147483647'/0", "m/0/1/2/3/4/5/6/7/8/9", "m/0/1/2/3/4/5/6/7/8/9/10", "x/0/1", "m/0''",
         "m/" + "1/" * 40 + "1", "m/00044'/0060'"]
PINS = ["123456", "00000000", "1234567", "12345", "123456789", "abcdef", ""]
TEXTS = [b"", b"12", b"123456", b"zoo", b"abandon", b"Abandon", b" 12", b"x" * 64, b"x" * 65, "ü".encode()]
APP_KEYS = [ec.derive_private_key(k, binding.CURVE) for k in (7, 11, 2**200 + 3)]
SLOW_RULES = os.environ.get("KB_DIFF_SLOW") == "1"  # rules that wait on the firmware's clock (the campaign)


class DifferentialMachine(RuleBasedStateMachine):
    backend = None  # set by machine_for()

    def __init__(self):
        super().__init__()
        self.sim = SimSide(seed=0)
        self.fw = self.backend.open()
        self.seq = 0
        self.pin = "123456"
        STATS["examples"] += 1

    def teardown(self):
        self.backend.close()

    # --- plumbing ------------------------------------------------------------
    @property
    def dev(self) -> Device:
        return self.sim.device

    def send(self, channel: int, payload: bytes, raw: bytes | None = None) -> list:
        self.seq = (self.seq + 1) % SENTINEL_SEQ
        data = raw if raw is not None else Frame(channel, self.seq, payload).encode()
        want = self.sim.exchange(data)
        got = self.fw.exchange(data)
        STATS["steps"] += 1
        STATS["frames into each side"] += 1 + (raw is None)
        assert want == got, f"sent {data.hex()}\n  sim: {want}\n  fw:  {got}"
        self.compare_framebuffers(data)
        return want

    def compare_framebuffers(self, after: bytes) -> None:
        """Both halves of the display after every step, as whole frames of their own: the same pixels."""
        for half in (0, 1):
            self.seq = (self.seq + 1) % SENTINEL_SEQ
            request = Frame(Channel.DEBUG, self.seq, bytes([Op.FRAMEBUFFER, half])).encode()
            want, got = self.sim.exchange(request), self.fw.exchange(request)
            STATS["framebuffer halves compared"] += 1
            if want != got:
                screen = want[-1][2][2:42] if want and len(want[-1]) == 3 else b""
                raise AssertionError(f"framebuffer half {half} differs after sending {after.hex()} "
                                     f"(the screen starts {screen!r}):\n  sim: {want}\n  fw:  {got}")

    def debug(self, op: Op, arg: bytes = b"") -> bytes:
        """Send a debug-link request; its status word (b'' if it got an error frame)."""
        answer = self.send(Channel.DEBUG, bytes([op]) + arg)[0]
        return answer[2][:2] if answer[0] == Channel.DEBUG else b""

    def apdu(self, raw: bytes) -> None:
        self.send(Channel.HOST, raw)

    def screen(self) -> Screen | None:
        return None if self.dev.off else self.dev.ui.screen

    def on(self, *screens: Screen) -> bool:
        return self.screen() in screens

    # --- the physical side: single actions -------------------------------------
    @initialize(start=st.sampled_from(["fresh", "pin", "locked", "wallet", "restored", "bound"]))
    def start_from(self, start):
        """Reach a starting state by its flow (compared step by step too), so every run can go deep."""
        self.debug(Op.SCREEN)
        if start != "fresh":
            self.set_pin("123456", None)
        if start == "locked":
            self.debug(Op.POWER_CYCLE)
        if start in ("wallet", "bound"):
            self.create_wallet("12", False, None)
        if start == "restored":
            self.restore_wallet(MNEMONICS[0], None, None)
        if start == "bound":
            self.select(imkey.Aid.IMK)
            self.identity_verify(0, "right", False, "none")

    @rule(button=st.sampled_from([1, 2, 0, 3]))
    def press(self, button):
        self.debug(Op.PRESS, bytes([button]))

    @rule(text=st.sampled_from(TEXTS) | st.binary(max_size=70))
    def type_text(self, text):
        self.debug(Op.TYPE, text)

    @rule(item=st.sampled_from([b"Create wallet", b"Restore wallet", b"Settings", b"Reset device", b"Back",
                                b"nope", b"", b"settings"]))
    def choose(self, item):
        self.debug(Op.CHOOSE, item)

    # --- the physical side: whole flows, steered by the simulator's screen ---------
    @precondition(lambda self: self.on(Screen.SET_PIN))
    @rule(pin=st.sampled_from(PINS), confirm=st.sampled_from(PINS) | st.none())
    def set_pin(self, pin, confirm):
        self.debug(Op.TYPE, pin.encode())
        if self.debug(Op.PRESS, b"\x01") == b"\x90\x00":
            self.debug(Op.TYPE, (pin if confirm is None else confirm).encode())
            if self.debug(Op.PRESS, b"\x01") == b"\x90\x00":
                self.pin = pin

    @precondition(lambda self: self.on(Screen.LOCKED, Screen.RESET_PIN))
    @rule(pin=st.none() | st.sampled_from(PINS))
    def enter_pin(self, pin):
        self.debug(Op.TYPE, (self.pin if pin is None else pin).encode())
        self.debug(Op.PRESS, b"\x01")

    @precondition(lambda self: self.on(Screen.HOME) and not self.dev.has_wallet)
    @rule(count=st.sampled_from(["12", "24", "15", "7"]), wrong_check=st.booleans(),
          stop=st.none() | st.integers(0, 6))
    def create_wallet(self, count, wrong_check, stop):
        steps = [lambda: self.debug(Op.CHOOSE, b"Create wallet"), lambda: self.debug(Op.TYPE, count.encode()),
                 lambda: self.debug(Op.PRESS, b"\x01"), lambda: self.debug(Op.PRESS, b"\x01"), self.page_through]
        for step in steps[:stop]:
            step()
        for n in range(2 if stop is None else 0):
            if not self.on(Screen.CHECK_WORD):
                return
            word = "zoo" if wrong_check and n == 1 else self.dev.ui.words[self.dev.ui.checks[0]]
            self.debug(Op.TYPE, word.encode())
            self.debug(Op.PRESS, b"\x01")

    def page_through(self) -> None:
        """The rest of the mnemonic's pages (six words each): CONFIRM until the check (docs/device.md)."""
        for _ in range(4):
            if self.on(Screen.SHOW_WORDS):
                self.debug(Op.PRESS, b"\x01")

    @precondition(lambda self: self.on(Screen.HOME) and not self.dev.has_wallet)
    @rule(mnemonic=st.sampled_from(MNEMONICS), stop=st.none() | st.integers(0, 14), typo=st.none() | st.integers(0, 11))
    def restore_wallet(self, mnemonic, stop, typo):
        words = mnemonic.split()
        self.debug(Op.CHOOSE, b"Restore wallet")
        self.debug(Op.TYPE, str(len(words)).encode())
        self.debug(Op.PRESS, b"\x01")
        for i, word in enumerate(words[:stop]):
            if not self.on(Screen.ENTER_WORD):
                return
            self.debug(Op.TYPE, (b"notaword" if i == typo else word.encode()))
            self.debug(Op.PRESS, b"\x01")

    @precondition(lambda self: self.on(Screen.HOME))
    @rule(right_pin=st.booleans())
    def reset_device(self, right_pin):
        self.debug(Op.CHOOSE, b"Settings")
        self.debug(Op.CHOOSE, b"Reset device")
        self.debug(Op.TYPE, (self.pin if right_pin else "000000").encode())
        self.debug(Op.PRESS, b"\x01")

    # --- the host link -------------------------------------------------------------
    @rule(aid=st.sampled_from(list(imkey.Aid)))
    def select(self, aid):
        self.apdu(imkey.select(aid).encode())

    @rule(cmd=st.sampled_from([imkey.SE_ID, imkey.FIRMWARE_VERSION, imkey.SERIAL_NUMBER, imkey.BATTERY,
                               imkey.LIFECYCLE, imkey.GET_BLE_NAME, imkey.DISPLAY_BIND_CODE]))
    def info(self, cmd):
        self.apdu(cmd.encode())

    @rule(name=st.sampled_from(["kb1", "imKeyPro", "x" * 12, "x" * 13, "bad name", "ü", ""]))
    def set_ble_name(self, name):
        self.apdu(bytes.fromhex("FFDA4654") + bytes([len(name.encode())]) + name.encode() + b"\x00")

    @rule(key=st.integers(0, 2), pc=st.booleans(), bad_point=st.booleans())
    def bind_check(self, key, pc, bad_point):
        pub = b"\x04" + bytes(64) if bad_point else binding.public_bytes(APP_KEYS[key])
        self.apdu(imkey.bind_check(pub, pc=pc).encode())

    @rule(key=st.integers(0, 2), code=st.sampled_from(["right", "wrong"]), pc=st.booleans(),
          damage=st.sampled_from(["none", "proof", "point"]))
    def identity_verify(self, key, code, pc, damage):
        pub = binding.public_bytes(APP_KEYS[key])
        se_pub = binding.public_bytes(host_commands.se_key(self.dev))
        text = (self.dev.binding_code or "AAAAAAAA") if code == "right" else "BBBBBBBB"
        proof = binding.encrypt_proof(binding.session_key(APP_KEYS[key], se_pub), text, pub, se_pub)
        if damage == "proof":
            proof = bytes(48)
        if damage == "point":
            pub = b"\x04" + bytes(64)
        self.apdu(imkey.identity_verify(pub, proof, pc=pc).encode())

    @rule(coin=st.sampled_from([imkey.Aid.BTC, imkey.Aid.ETH]), path=st.sampled_from(PATHS), p1=st.sampled_from([0, 1]))
    def get_pubkey(self, coin, path, p1):
        cmd = imkey.get_pubkey(coin, path).encode()
        self.apdu(cmd[:2] + bytes([p1]) + cmd[3:])

    @rule(raw=st.binary(max_size=260) | st.sampled_from([bytes.fromhex(h) for h in (
        "80CA004400FF", "80CB800004DFFF0281", "8071000000", "807100000141", "80CA00440000", "0000000000",
        "80CA004500", "00D6FEEE01", "FFDC000000", "FFDB465500", "807201000000", "80738100")]))
    def raw_apdu(self, raw):
        self.apdu(raw)

    # --- power ---------------------------------------------------------------------
    @rule()
    def power_cycle(self):
        self.debug(Op.POWER_CYCLE)

    @rule(n=st.integers(0, 12))
    def arm_power_cut(self, n):
        self.debug(Op.ARM_POWER_CUT, n.to_bytes(2, "big"))

    @precondition(lambda self: not self.dev.off)
    @rule(n=st.integers(1, 6), action=st.sampled_from(["right_pin", "wrong_pin", "ble_name", "erase", "bind"]),
          then_on=st.booleans())
    def power_cut_during(self, n, action, then_on):
        """Arm a cut, then do something that writes: the cut lands inside it (or later, if it writes less)."""
        self.arm_power_cut(n)
        if action in ("right_pin", "wrong_pin") and self.on(Screen.LOCKED, Screen.RESET_PIN):
            self.enter_pin(None if action == "right_pin" else "000000")
        elif action == "ble_name":
            self.set_ble_name("kb1")
        elif action == "erase":
            self.factory_erase()
        else:
            self.select(imkey.Aid.IMK)
            self.identity_verify(1, "right", False, "none")
        if then_on:
            self.power_on()

    @rule()
    def power_on(self):
        self.debug(Op.POWER_ON)

    @rule(seed=st.integers(0, 2**64 - 1))
    def seed_rng(self, seed):
        self.debug(Op.SEED_RNG, seed.to_bytes(8, "big"))

    @rule()
    def factory_erase(self):
        self.debug(Op.FACTORY_ERASE)

    @rule()
    def storage_writes(self):
        self.debug(Op.STORAGE_WRITES)

    @precondition(lambda self: self.backend.hard_power_cycle)
    @rule()
    def pull_the_plug(self):
        """The process dies between requests (RAM really lost) and starts again on the same storage."""
        self.backend.power_cycle()
        self.dev.boot()
        self.sim.connect()
        self.debug(Op.SCREEN)

    # --- the link --------------------------------------------------------------------
    @rule(nonce=st.binary(min_size=8, max_size=8) | st.binary(max_size=12))
    def sync(self, nonce):
        self.send(Channel.SYNC, nonce)

    @rule(kind=st.sampled_from(["bad_crc", "too_long", "unknown_channel", "error_frame", "noise"]),
          seq=st.integers(0, SENTINEL_SEQ - 1), noise=st.lists(st.sampled_from([0x00, 0x4A, 0x42, 0xFF]), max_size=20))
    def garbage(self, kind, seq, noise):
        good = Frame(Channel.DEBUG, seq, bytes([Op.SCREEN])).encode()
        raw = {"bad_crc": good[:-1] + bytes([good[-1] ^ 0x55]),
               "too_long": b"KB\x01" + bytes([seq]) + b"\x04\x01" + bytes(5),
               "unknown_channel": Frame(0x07, seq, b"\x04").encode(),
               "error_frame": Frame(Channel.ERROR, seq, b"\x01x").encode(),
               "noise": bytes(noise)}[kind]
        self.send(Channel.DEBUG, b"", raw=raw)

    @precondition(lambda self: SLOW_RULES)
    @rule(length=st.sampled_from([20, 300, 1000, 1024]), seq=st.integers(0, SENTINEL_SEQ - 1),
          body=st.binary(max_size=12))
    def truncated_frame(self, length, seq, body):
        """A header announcing more than ever comes, then silence: the firmware's real 500 ms inter-byte timer
        against the simulator's expire() (docs/protocol.md 1.1). Half a second each, so only with KB_DIFF_SLOW=1."""
        self.send(Channel.DEBUG, b"", raw=b"KB\x01" + bytes([seq]) + length.to_bytes(2, "big") + body)
        STATS["inter-byte timeouts"] += 1


def machine_for(backend) -> type[DifferentialMachine]:
    return type("Differential", (DifferentialMachine,), {"backend": backend})


def run(backend, examples: int, steps: int) -> None:
    """Run the machine under the active Hypothesis profile; raises (the shrunk steps printed) on a mismatch."""
    from hypothesis.stateful import run_state_machine_as_test
    run_state_machine_as_test(machine_for(backend), settings=settings(settings.default, max_examples=examples,
                                                                      stateful_step_count=steps, deadline=None))
