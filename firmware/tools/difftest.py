"""Differential test: the same random request stream to the Python simulator and to the firmware,
answers compared frame by frame (every answer, and the screen after every step).

    python firmware/tools/difftest.py --steps 3000 --rng 7          # against the host build
    python firmware/tools/difftest.py --url socket://127.0.0.1:PORT  # against any firmware
The simulator plays the oracle for the generator: it knows the PIN, the words to check, the binding code,
so the stream reaches deep states (wallets, bindings, wipes, power cuts) rather than bouncing off errors.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from protocol import binding, imkey  # noqa: E402
from protocol.framing import Channel, Frame, FrameDecoder, FrameError  # noqa: E402
from simulator.device import Device  # noqa: E402
from simulator.server import StreamEndpoint  # noqa: E402
from simulator.ui import Screen  # noqa: E402

SENTINEL_SEQ = 0xEE
SCREEN_REQ = Frame(Channel.DEBUG, SENTINEL_SEQ, b"\x04").encode()
MNEMONICS = [
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",  # bad sum
    "vessel ladder alter error federal sibling chat ability sun glass valve picture",
]
PATHS = ["m/44'/60'/0'/0/0", "m/44'/0'/0'/0/1", "m/49'/0'/0'", "m/84'/1'/0'/1/7", "m/0/1", "m/1",
         "m/44'/60'/0'/0/", "m//0", "m/2147483648", "m/2147483647'/0", "m/0/1/2/3/4/5/6/7/8/9",
         "m/0/1/2/3/4/5/6/7/8/9/10", "x/0/1", "m/0'1", "m/0''", "m/" + "1/" * 40 + "1", "m/00044'/0060'"]


class SimSide:
    def __init__(self, seed: int = 0):
        self.device = Device(seed=seed)
        self.endpoint = StreamEndpoint(self.device)

    def exchange(self, data: bytes) -> list:
        return decode(self.endpoint.feed(data + SCREEN_REQ))


class StreamSide:
    def __init__(self, transport, timeout: float = 30.0):
        self.transport = transport
        self.timeout = timeout

    def exchange(self, data: bytes) -> list:
        self.transport.write(data + SCREEN_REQ)
        decoder, out = FrameDecoder(), []
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for item in decoder.feed(self.transport.read(0.5)):
                out.append(norm(item))
                if isinstance(item, Frame) and item.seq == SENTINEL_SEQ and item.channel in (
                        Channel.DEBUG, Channel.ERROR):
                    return out
        out.append(("timeout",))
        return out


def norm(item):
    if isinstance(item, FrameError):
        return ("corrupt", int(item.code), item.seq)
    return (int(item.channel), item.seq, bytes(item.payload))


def decode(raw: bytes) -> list:
    return [norm(i) for i in FrameDecoder().feed(raw)]


class Generator:
    """Random requests, biased by what the simulator's state says is meaningful."""

    def __init__(self, rnd: random.Random, sim: Device):
        self.r = rnd
        self.sim = sim
        self.seq = 0
        self.pin = "123456"
        self.restore_words: list[str] = []
        self.app_keys = [ec.derive_private_key(self.r.randrange(1, 2**200), binding.CURVE) for _ in range(3)]

    def frame(self, channel: int, payload: bytes) -> bytes:
        self.seq = (self.seq + 1) % SENTINEL_SEQ
        return Frame(channel, self.seq, payload).encode()

    def debug(self, op: int, arg: bytes = b"") -> bytes:
        return self.frame(Channel.DEBUG, bytes([op]) + arg)

    def apdu(self, raw: bytes) -> bytes:
        return self.frame(Channel.HOST, raw)

    def next(self) -> tuple[str, bytes]:
        r = self.r
        kind = r.choices(["ui", "apdu", "power", "garbage"], [60, 30, 6, 4])[0]
        return kind, getattr(self, "gen_" + kind)()

    # --- physical side -------------------------------------------------------
    def gen_ui(self) -> bytes:
        r, ui = self.r, self.sim.ui
        s = ui.screen
        if self.sim.off:
            return self.debug(7)
        if r.random() < 0.1:
            return self.debug(r.choice([1, 2, 3, 4, 10]), r.randbytes(r.choice([0, 1, 2, 70])))
        if r.random() < 0.08:
            return self.debug(1, bytes([r.choice([1, 2, 2, 3, 0])]))
        if r.random() < 0.1:
            return self.debug(3, r.choice([b"Create wallet", b"Restore wallet", b"Settings", b"Reset device",
                                           b"Back", b"nope", b""]))
        if s is Screen.SET_PIN or s is Screen.CONFIRM_PIN:
            if ui.field and r.random() < 0.8:
                return self.debug(1, b"\x01")
            if s is Screen.SET_PIN:
                self.pin = r.choice(["123456", "00000000", "1234567", str(r.randrange(10**5, 10**8))])
            text = r.choice([self.pin] * 6 + ["12345", "abcdef", "123456789", ""])
            return self.debug(2, text.encode())
        if s in (Screen.LOCKED, Screen.RESET_PIN):
            if ui.field and r.random() < 0.8:
                return self.debug(1, b"\x01")
            if r.random() < 0.1:
                return self.debug(1, b"\x02")
            return self.debug(2, (self.pin if r.random() < 0.6 else r.choice(["000000", "1", "x" * 65])).encode())
        if s is Screen.HOME:
            menu = ui.menu()
            weights = [1 if m != "Settings" else 0.3 for m in menu]
            return self.debug(3, r.choices(menu, weights)[0].encode())
        if s is Screen.SETTINGS:
            return self.debug(3, r.choice([b"Back", b"Reset device"]) if r.random() < 0.9 else b"\x02")
        if s is Screen.WORD_COUNT:
            if ui.field and r.random() < 0.8:
                return self.debug(1, b"\x01")
            if ui.flow == "Restore wallet":
                self.restore_words = r.choice(MNEMONICS).split()
                if r.random() < 0.2:
                    from simulator import keys
                    self.restore_words = keys.words_from_entropy(r.randbytes(r.choice([16, 20, 24, 28, 32])))
                return self.debug(2, str(len(self.restore_words)).encode() if r.random() < 0.9 else b"13")
            return self.debug(2, r.choice([b"12", b"12", b"15", b"18", b"21", b"24", b"7", b" 12"]))
        if s is Screen.SHOW_WORDS:
            return self.debug(1, b"\x01" if r.random() < 0.9 else b"\x02")
        if s is Screen.CHECK_WORD:
            if ui.field and r.random() < 0.8:
                return self.debug(1, b"\x01")
            word = ui.words[ui.checks[0]] if r.random() < 0.85 else r.choice(["zoo", "abandon", "Abandon"])
            return self.debug(2, word.encode())
        if s is Screen.ENTER_WORD:
            if ui.field and r.random() < 0.8:
                return self.debug(1, b"\x01")
            i = len(ui.words)
            if i < len(self.restore_words) and r.random() < 0.9:
                return self.debug(2, self.restore_words[i].encode())
            return self.debug(2, r.choice([b"zoo", b"notaword", b"abandon", b""]))
        return self.debug(1, bytes([r.choice([1, 1, 2])]))

    # --- host side -------------------------------------------------------------
    def gen_apdu(self) -> bytes:
        r = self.r
        pick = r.randrange(16)
        aid = r.choice(list(imkey.Aid))
        needs = {3: imkey.Aid.IMK, 4: imkey.Aid.IMK, 5: imkey.Aid.IMK, 6: imkey.Aid.IMK, 7: imkey.Aid.IMK,
                 8: imkey.Aid.BTC, 9: imkey.Aid.ETH, 10: imkey.Aid.ETH}.get(pick)
        if needs is not None and self.sim.selected != needs.value and r.random() < 0.8:
            return self.apdu(imkey.select(needs).encode())
        if pick == 0:
            return self.apdu(imkey.select(aid).encode() if r.random() < 0.9 else bytes.fromhex("00A4040003AABBCC"))
        if pick == 1:
            return self.apdu(r.choice([imkey.SE_ID, imkey.FIRMWARE_VERSION, imkey.SERIAL_NUMBER, imkey.BATTERY,
                                       imkey.LIFECYCLE, imkey.GET_BLE_NAME]).encode())
        if pick == 2:
            name = r.choice(["kb1", "imKeyPro", "x" * 12, "x" * 13, "bad name", "ü"])
            return self.apdu(bytes.fromhex("FFDA4654") + bytes([len(name.encode())]) + name.encode() + b"\x00")
        if pick in (3, 4):
            key = r.choice(self.app_keys)
            pub = binding.public_bytes(key)
            if r.random() < 0.1:
                pub = b"\x04" + bytes(64)
            return self.apdu(imkey.bind_check(pub, pc=r.random() < 0.3).encode())
        if pick in (5, 6):
            if self.sim.has_wallet and self.sim.binding_code is None:
                # a power cut between the seed and the binding-code write: the simulator cannot
                # answer identity verify then (it raises); the firmware answers A5
                return self.apdu(imkey.LIFECYCLE.encode())
            return self.apdu(self.identity_verify())
        if pick == 7:
            return self.apdu(imkey.DISPLAY_BIND_CODE.encode())
        if pick in (8, 9, 10):
            coin = imkey.Aid(self.sim.selected) if self.sim.selected in (imkey.Aid.BTC.value, imkey.Aid.ETH.value) \
                else r.choice([imkey.Aid.BTC, imkey.Aid.ETH])
            cmd = imkey.get_pubkey(coin, r.choice(PATHS)).encode()
            if r.random() < 0.1:
                cmd = cmd[:2] + b"\x01" + cmd[3:]
            return self.apdu(cmd)
        if pick == 11:  # malformed lengths
            return self.apdu(r.choice([b"", b"\x80", b"\x80\xCA\x00", bytes.fromhex("80CA004400FF"),
                                       bytes.fromhex("80CB800004DFFF0281"), bytes.fromhex("80CB800005DFFF028102"),
                                       bytes.fromhex("8071000000"), bytes.fromhex("807100000141"),
                                       bytes.fromhex("80CA004402AABB"), bytes.fromhex("0000000000"),
                                       r.randbytes(r.randrange(4, 300))]))
        if pick == 12:  # random header
            return self.apdu(bytes([r.choice([0, 0x80, 0xFF, 0x90]), r.randrange(256), r.randrange(256),
                                    r.randrange(256)]) + r.choice([b"", b"\x00"]))
        if pick == 13:
            return self.apdu(bytes.fromhex(r.choice(["80CA004500", "00D6FEEE01", "FFDC000000", "80CB810005DFFF028101",
                                                      "FFDB465500", "807201000000", "80738100"])))
        if pick == 14:
            return self.apdu(bytes([r.choice([0x00, 0x80, 0xFF]), r.randrange(256)]) + r.randbytes(r.randrange(2, 12)))
        return self.apdu(imkey.LIFECYCLE.encode())

    def identity_verify(self) -> bytes:
        r, sim = self.r, self.sim
        key = r.choice(self.app_keys)
        pub = binding.public_bytes(key)
        from simulator import host_commands
        se_pub = binding.public_bytes(host_commands.se_key(sim))
        code = sim.binding_code or "AAAAAAAA"
        if r.random() < 0.3:
            code = "".join(r.choice(imkey.BIND_CODE_ALPHABET) for _ in range(8))
        session = binding.session_key(key, se_pub)
        proof = binding.encrypt_proof(session, code, pub, se_pub)
        if r.random() < 0.05:
            proof = r.randbytes(48)
        if r.random() < 0.05:
            pub = b"\x04" + bytes(64)
        return imkey.identity_verify(pub, proof, pc=r.random() < 0.3).encode()

    # --- power -----------------------------------------------------------------
    def gen_power(self) -> bytes:
        r = self.r
        op = r.choices([5, 6, 7, 8, 9, 10], [3, 6, 3, 3, 1, 3])[0]
        if op == 6:
            return self.debug(6, r.choice([0, 1, 1, 2, 3, 4, 5, 9]).to_bytes(2, "big"))
        if op == 8:
            return self.debug(8, r.randbytes(8))
        return self.debug(op)

    def gen_garbage(self) -> bytes:
        r = self.r
        good = self.debug(4)
        pick = r.randrange(5)
        if pick == 0:  # bad crc
            return good[:-1] + bytes([good[-1] ^ 0x55])
        if pick == 1:  # oversized length
            return b"KB\x01" + bytes([r.randrange(SENTINEL_SEQ)]) + b"\x04\x01" + r.randbytes(5)
        if pick == 2:  # unknown channel
            return Frame(0x07, r.randrange(SENTINEL_SEQ), b"\x04").encode()
        if pick == 3:  # an error frame from the host: no answer
            return Frame(Channel.ERROR, r.randrange(SENTINEL_SEQ), b"\x01x").encode()
        return bytes(r.choice([0x00, 0x4A, 0x42, 0xFF]) for _ in range(r.randrange(1, 20)))


COVERAGE: dict[str, int] = {}


def run(side, steps: int, seed: int, verbose: bool = False) -> list[str]:
    rnd = random.Random(seed)
    sim = SimSide(seed=0)
    gen = Generator(rnd, sim.device)
    problems = []
    for step in range(steps):
        kind, data = gen.next()
        want = sim.exchange(data)
        got = side.exchange(data)
        for ch, _seq, payload in (w for w in want if len(w) == 3):
            if ch == Channel.ERROR:
                COVERAGE[f"error {payload[0]:02X}"] = COVERAGE.get(f"error {payload[0]:02X}", 0) + 1
            elif ch == Channel.HOST and len(payload) >= 2:
                key = f"apdu {data[7]:02X} -> {payload[-2:].hex()}" + (
                    f" {payload[0]:02X}" if len(payload) == 3 else "")
                COVERAGE[key] = COVERAGE.get(key, 0) + 1
            elif ch == Channel.DEBUG and _seq != SENTINEL_SEQ:
                key = f"debug {data[6]:02X} -> {payload[:2].hex()}"
                COVERAGE[key] = COVERAGE.get(key, 0) + 1
        COVERAGE["wipes"] = sim.device.store.wipes
        if verbose:
            print(step, kind, data.hex(), want[:1])
        if want != got:
            problems.append(f"step {step} ({kind}) sent {data.hex()}\n  sim: {want}\n  fw:  {got}")
            break
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--rng", type=int, default=1)
    ap.add_argument("--url", help="pyserial URL of a running firmware (default: start the host build)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    from rigs.serial_transport import SerialTransport
    if args.url:
        problems = run(StreamSide(SerialTransport(args.url)), args.steps, args.rng, args.verbose)
    else:
        from hostdev import HostDevice
        with HostDevice(seed=0) as dev:
            problems = run(StreamSide(dev.transport()), args.steps, args.rng, args.verbose)
    for p in problems:
        print(p)
    if args.verbose:
        for k in sorted(COVERAGE):
            print(f"{k:40s} {COVERAGE[k]}")
    print("OK" if not problems else "MISMATCH")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
