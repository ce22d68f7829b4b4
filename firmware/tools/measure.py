"""Measure the firmware's timings on QEMU (and on the host build, for comparison).

    python firmware/tools/measure.py            # prints a table for docs/firmware.md
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fwdevices import HostFw, QemuFw  # noqa: E402
from keybench.protocol import binding, imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402

MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def timed(fn, n=1):
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def ms(samples):
    if len(samples) == 1:
        return f"{samples[0] * 1000:.1f} ms"
    return f"median {statistics.median(samples) * 1000:.2f} ms (min {min(samples) * 1000:.2f}, " \
           f"max {max(samples) * 1000:.2f}, n={len(samples)})"


def measure(dev) -> dict[str, str]:
    link, out = dev.link, {}
    out["APDU round trip (lifecycle)"] = ms(timed(lambda: link.apdu_ok(imkey.LIFECYCLE), 300))
    out["debug SCREEN round trip"] = ms(timed(lambda: link.debug_ok(Op.SCREEN), 300))
    for _ in range(2):
        link.debug_ok(Op.TYPE, b"123456")
        link.debug_ok(Op.PRESS, b"\x01")
    link.debug_ok(Op.CHOOSE, b"Restore wallet")
    link.debug_ok(Op.TYPE, b"12")
    link.debug_ok(Op.PRESS, b"\x01")
    words = MNEMONIC.split()
    for w in words[:-1]:
        link.debug_ok(Op.TYPE, w.encode())
        link.debug_ok(Op.PRESS, b"\x01")
    link.debug_ok(Op.TYPE, words[-1].encode())
    out["last restore word (BIP39 seed, 2 writes)"] = ms(timed(lambda: link.debug_ok(Op.PRESS, b"\x01")))
    link.apdu_ok(imkey.select(imkey.Aid.ETH))
    out["ETH public key m/44'/60'/0'/0/0"] = ms(timed(
        lambda: link.apdu_ok(imkey.get_pubkey(imkey.Aid.ETH, "m/44'/60'/0'/0/0")), 5))
    link.apdu_ok(imkey.select(imkey.Aid.IMK))
    app = binding.private_from_bytes(bytes(31) + b"\x07")
    pub = binding.public_bytes(app)
    out["bind check (first: SE key pair)"] = ms(timed(lambda: link.apdu_ok(imkey.bind_check(pub))))
    out["bind check"] = ms(timed(lambda: link.apdu_ok(imkey.bind_check(pub)), 10))
    proof = bytes(48)
    out["identity verify (ECDH + AES, wrong code)"] = ms(timed(
        lambda: link.apdu_ok(imkey.identity_verify(pub, proof)), 5))
    dev.power_cycle()
    link.debug_ok(Op.TYPE, b"123456")
    out["PIN unlock (2 storage writes)"] = ms(timed(lambda: link.debug_ok(Op.PRESS, b"\x01")))
    return out


def main() -> int:
    t0 = time.perf_counter()
    q = QemuFw(build="if-missing")
    start = time.perf_counter() - t0
    try:
        rows = {"QEMU start to first answer (target.start())": f"{start * 1000:.0f} ms",
                "  of which boot to first SCREEN answer": f"{q.target.boot_seconds * 1000:.1f} ms"}
        resets = []
        boots = []
        for _ in range(5):
            t0 = time.perf_counter()
            q.power_cycle()
            resets.append(time.perf_counter() - t0)
            boots.append(q.target.boot_seconds)
        rows["QMP system_reset to ready (power_cycle)"] = ms(resets)
        rows["  of which reset to first SCREEN answer"] = ms(boots)
        rows.update({k: v for k, v in measure(q).items()})
    finally:
        q.close()
    h = HostFw()
    try:
        host = measure(h)
    finally:
        h.close()
    print("| measurement | qemu (netduinoplus2) | host build |\n|---|---|---|")
    for k, v in rows.items():
        print(f"| {k} | {v} | {host.get(k, '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
