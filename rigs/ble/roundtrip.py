"""APDU round-trip timing on any rig, for benchmarks: `python -m keybench.rigs.ble.roundtrip [RIG] [COUNT]`.

    from keybench.rigs.ble.roundtrip import measure
    measure("sim-ble", count=500)  # {'rig': 'sim-ble', 'count': 500, 'median_ms': ..., 'p99_ms': ..., ...}

A round trip is one Link.apdu(): the request's fragments out, the answer's fragments back, reassembled.
"""
from __future__ import annotations

import math
import statistics
import sys
import time

from keybench.protocol import imkey
from keybench.rigs.bench import Bench
from keybench.rigs.config import load_rig

# Small and larger answers: lifecycle (1 byte + SW), SE id (16 bytes + SW)
DEFAULT_APDUS = (imkey.LIFECYCLE, imkey.SE_ID)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def time_apdus(bench: Bench, count: int = 200, apdus=DEFAULT_APDUS, warmup: int = 10) -> list[float]:
    """Seconds per round trip, `count` of them, cycling through `apdus`."""
    for i in range(warmup):
        bench.link.apdu(apdus[i % len(apdus)])
    times = []
    for i in range(count):
        command = apdus[i % len(apdus)]
        start = time.perf_counter()
        bench.link.apdu(command)
        times.append(time.perf_counter() - start)
    return times


def summarize(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"count": len(ordered), "median_ms": statistics.median(ordered) * 1e3,
            "p99_ms": percentile(ordered, 99) * 1e3, "min_ms": ordered[0] * 1e3, "max_ms": ordered[-1] * 1e3}


def measure(rig: str = "sim-ble", count: int = 200) -> dict:
    """Open the rig, time `count` APDU round trips, close it."""
    bench = Bench.open(load_rig(rig))
    try:
        return {"rig": bench.rig.name, **summarize(time_apdus(bench, count))}
    finally:
        bench.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    result = measure(args[0] if args else "sim-ble", int(args[1]) if len(args) > 1 else 200)
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
