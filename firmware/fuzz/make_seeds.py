"""Write the libFuzzer seed corpora in firmware/fuzz/seeds/<target>/ from the Python reference (protocol/ and
simulator/), so every seed is a well-formed starting point the fuzzer mutates from. Run it again after a format
change; the files are small and committed.

    python firmware/fuzz/make_seeds.py
"""
from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from keybench.protocol import imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.framing import Channel, Frame  # noqa: E402
from keybench.simulator.device import Device  # noqa: E402
from keybench.simulator.flash import Flash, PowerCut  # noqa: E402
from keybench.simulator.storage import Key  # noqa: E402

WORDS = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
PATHS = ["m/44'/60'/0'/0/0", "m/44'/0'/0'/0/1", "m/0/1", "m//0", "m/2147483648"]


def frame(channel: int, payload: bytes, seq: int = 1) -> bytes:
    return Frame(channel, seq, payload).encode()


def frame_seeds() -> dict[str, bytes]:
    good = frame(Channel.HOST, imkey.LIFECYCLE.encode(), 7)
    bad_crc = good[:-1] + bytes([good[-1] ^ 0x55])
    return {
        "host": b"\x00" + good,
        "debug-screen": b"\x00" + frame(Channel.DEBUG, bytes([Op.SCREEN])),
        "sync": b"\x00" + frame(0x03, bytes(range(8))),
        "error-channel": b"\x00" + frame(Channel.ERROR, b"\x01x"),
        "unknown-channel": b"\x00" + frame(0x07, b"\x04"),
        "bad-crc-then-good": b"\x00" + bad_crc + good,
        "too-long": b"\x00" + b"KB\x01\x05\x04\x01" + good,
        # docs/protocol.md 1.1: a header announcing 1000 bytes, then a good frame, then silence
        "truncated-then-good": b"\x01" + b"KB\x01\x3D\x03\xE8" + b"abcd" + good,
        "max-payload": b"\x00" + frame(Channel.HOST, bytes(1024)),
        "lone-magic": b"\x01" + b"K",
    }


def resync_seeds() -> dict[str, bytes]:
    return {k: v[1:] for k, v in frame_seeds().items()}


def record(kind: int, payload: bytes) -> bytes:
    return bytes([kind, len(payload)]) + payload


def apdu(cmd) -> bytes:
    return record(0x00, cmd.encode() if hasattr(cmd, "encode") else cmd)


def debug(op: Op, arg: bytes = b"") -> bytes:
    return record(0x80, bytes([op]) + arg)


def device_seeds() -> dict[str, bytes]:
    pin = [debug(Op.TYPE, b"123456"), debug(Op.PRESS, b"\x01")]
    info = [apdu(c) for c in (imkey.SE_ID, imkey.FIRMWARE_VERSION, imkey.SERIAL_NUMBER, imkey.BATTERY,
                              imkey.LIFECYCLE, imkey.GET_BLE_NAME, imkey.set_ble_name("kb1"))]
    restore = [debug(Op.CHOOSE, b"Restore wallet"), debug(Op.TYPE, b"12"), debug(Op.PRESS, b"\x01")]
    for word in WORDS.split():
        restore += [debug(Op.TYPE, word.encode()), debug(Op.PRESS, b"\x01")]
    app_pub = bytes.fromhex("04" + "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"
                            "483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8")
    return {
        # mode byte: state % 3, unlock 4, applet << 3
        "set-pin": bytes([0]) + b"".join(pin * 2),
        "info": bytes([0]) + b"".join(info),
        "restore": bytes([1 | 4]) + b"".join(restore),
        "create": bytes([1 | 4]) + debug(Op.CHOOSE, b"Create wallet") + debug(Op.TYPE, b"12")
        + debug(Op.PRESS, b"\x01") + debug(Op.PRESS, b"\x01") + debug(Op.SCREEN),
        "display": bytes([1 | 4]) + debug(Op.CHOOSE, b"Create wallet") + debug(Op.TYPE, b"24")
        + debug(Op.FRAMEBUFFER, b"\x00") + debug(Op.PRESS, b"\x01") + debug(Op.FRAMEBUFFER, b"\x01")
        + debug(Op.PRESS, b"\x01") + debug(Op.FRAMEBUFFER, b"\x02") + debug(Op.TYPE, b"\x01\x7f~ x")
        + debug(Op.FRAMEBUFFER, b"\x01"),
        "wrong-pins": bytes([2]) + b"".join([debug(Op.TYPE, b"000000"), debug(Op.PRESS, b"\x01")] * 5),
        "bind": bytes([2 | 4 | 1 << 3]) + apdu(imkey.bind_check(app_pub)) + apdu(imkey.DISPLAY_BIND_CODE)
        + apdu(imkey.identity_verify(app_pub, bytes(48))),
        "pubkeys": bytes([2 | 4 | 2 << 3]) + b"".join(apdu(imkey.get_pubkey(imkey.Aid.BTC, p)) for p in PATHS),
        "power": bytes([2 | 4]) + debug(Op.ARM_POWER_CUT, b"\x00\x01") + apdu(imkey.set_ble_name("x"))
        + debug(Op.POWER_ON) + debug(Op.SEED_RNG, bytes(8)) + debug(Op.STORAGE_WRITES)
        + debug(Op.POWER_CYCLE) + debug(Op.FACTORY_ERASE),
        "sync-and-errors": bytes([2]) + record(0xFE, bytes(8)) + record(0xFE, b"") + record(0xFF, b"\x01x")
        + record(0x80, b"") + record(0x80, b"\x63") + apdu(b"\x80") + apdu(bytes.fromhex("80CA00440000")),
    }


def storage_input(image: bytes, op: int = 0, cut: int = 0, key: int = 7, vlen: int = 3) -> bytes:
    """op || cut || key || vlen || lenA || A || B, each sector trimmed of its erased tail."""
    a, b = image[:16384].rstrip(b"\xff"), image[16384:].rstrip(b"\xff")
    return bytes([op, cut, key, vlen]) + len(a).to_bytes(2, "big") + a + b


def storage_seeds() -> dict[str, bytes]:
    dev = Device(seed=1)
    images = {"formatted": bytes(dev.flash.data)}
    dev.set_pin("123456")
    dev.store.put(Key.PIN_FAILS, b"\x02")
    images["pin"] = bytes(dev.flash.data)
    dev.commit_wallet(WORDS.split())
    images["wallet"] = bytes(dev.flash.data)
    dev.store.wipe()
    images["wiped"] = bytes(dev.flash.data)
    torn = Device(seed=1, flash=Flash())
    torn.set_pin("123456")
    torn.flash.arm_cut(1)
    try:
        torn.store.put(Key.BLE_NAME, b"tornname")
    except PowerCut:
        pass
    images["torn-record"] = bytes(torn.flash.data)
    both = bytearray(images["wallet"])
    both[16384:16384 + 16] = both[:16]  # the same header in B: a tie, B wins
    images["tie"] = bytes(both)
    seeds = {}
    for name, image in images.items():
        seeds[name + "-put"] = storage_input(image)
        seeds[name + "-put-cut"] = storage_input(image, cut=1)
        seeds[name + "-wipe-cut"] = storage_input(image, op=1, cut=2)
    return seeds


def main() -> None:
    for target, seeds in {"frame": frame_seeds(), "resync": resync_seeds(), "device": device_seeds(),
                          "storage": storage_seeds()}.items():
        folder = HERE / "seeds" / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in seeds.items():
            (folder / f"{name}-{hashlib.sha1(data).hexdigest()[:8]}").write_bytes(data)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
