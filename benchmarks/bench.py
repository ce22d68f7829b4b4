"""Print speed figures for every rig side by side in one run (these machines are shared and noisy: compare
within a run, not across runs). Not a test: nothing here passes or fails.

    python benchmarks/bench.py                      # all rigs that can run here
    python benchmarks/bench.py --rigs sim qemu-stm32f4 --rounds 500 --no-suite
    python benchmarks/bench.py --rigs qemu-stm32f4 lab-qemu-1 lab-qemu-2   # through labgrid, 1 and 2 places
    python benchmarks/bench.py --parallel           # pytest -n 2 against serial, sim and QEMU (benchmarks/speedup.py)

lab-qemu-N is a labgrid lab on loopback (tests/lab/lab_kit.py: coordinator, exporter, N firmware places under
QEMU); its suite runs with -n N, one place per xdist worker.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from keybench.protocol import imkey
from keybench.rigs.bench import Bench
from keybench.rigs.config import RigError, load_rig

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_RIGS = ["sim", "sim-tcp", "sim-ble", "qemu-stm32f4", "lab-qemu-1", "lab-qemu-2"]
LAB = re.compile(r"lab-qemu-(\d)")


@contextmanager
def lab_rig(name: str, places: int):
    """A labgrid lab on loopback with `places` firmware places, and a rig file reserving one by filter."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "lab")]
    from lab_kit import LabKit  # test support: a real coordinator and exporter

    with tempfile.TemporaryDirectory() as tmp:
        kit = LabKit(Path(tmp))
        try:
            for i in range(places):
                kit.add_qemu_place(f"qemu-{i}", {"board": "stm32f4"})
            kit.start_exporter()
            yield str(kit.rig(Path(tmp), name, {"filter": "board=stm32f4"}))
        finally:
            left = kit.close()
            if left:
                print(f"  note: {name} left places locked: {left}")

# sim-ble before bumble (the hand-written radio and ATT code, deleted in issue 13): it cannot run any more, so
# its figures are the recorded ones (docs/benchmarks.md), printed beside this run's sim-ble through bumble.
SIM_BLE_BEFORE_BUMBLE = [
    ("documented 2026-11-21, bench.py", 0.241, 0.379),
    ("measured 2026-12-02 just before the change, roundtrip.py x1000", 0.132, 0.240),
]


@contextmanager
def rig_file(name: str, devices: int = 1):
    """The rig's path; for sim-tcp, a simulator server (with `devices` devices, one per pytest -n worker) on a free
    port and a rig file pointing at it; for lab-qemu-N, a labgrid lab on loopback."""
    if LAB.fullmatch(name):
        with lab_rig(name, int(LAB.fullmatch(name)[1])) as path:
            yield path
        return
    if name != "sim-tcp":
        yield name
        return
    proc = subprocess.Popen([sys.executable, "-m", "keybench.simulator", "serve", "--tcp", "127.0.0.1:0", "--seed",
                             "1", "--devices", str(devices)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        text = (ROOT / "rigs" / "sim-tcp.toml").read_text().replace("47321", str(port))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sim-tcp.toml"
            path.write_text(text)
            yield str(path)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def round_trips(bench: Bench, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        bench.link.apdu_ok(imkey.LIFECYCLE)
        times.append(time.perf_counter() - start)
    return times


def suite(rig: str, workers: int = 0) -> tuple[float, int]:
    start = time.perf_counter()
    parallel = ["-n", str(workers)] if workers else []
    result = subprocess.run([sys.executable, "-m", "pytest", "features", "--rig", rig, "-q", "-p", "no:randomly",
                             *parallel], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    counts = dict((k, int(v)) for v, k in re.findall(r"(\d+) (passed|failed|skipped|error)", result.stdout))
    if counts.get("failed") or counts.get("error"):
        print(f"  note: the suite on {rig} did not pass: {result.stdout.strip().splitlines()[-1]}")
    return wall, counts.get("passed", 0)


def measure(name: str, rounds: int, with_suite: bool) -> dict | None:
    with rig_file(name) as rig_path:
        try:
            rig = load_rig(rig_path)
            start = time.perf_counter()
            bench = Bench.open(rig)
        except (RigError, OSError) as exc:
            print(f"  {name}: not measured ({exc})")
            return None
        boot = time.perf_counter() - start
        try:
            bench.power_cycle()  # boot-to-ready again, without process start-up
            start = time.perf_counter()
            bench.power_cycle()
            reboot = time.perf_counter() - start
            times = sorted(round_trips(bench, rounds))
        finally:
            bench.close()
        row = {"rig": name, "start": boot, "power_cycle": reboot, "median_ms": statistics.median(times) * 1e3,
               "p99_ms": times[int(len(times) * 0.99) - 1] * 1e3}
        if with_suite:
            lab = LAB.fullmatch(name)
            wall, passed = suite(rig_path, int(lab[1]) if lab and lab[1] != "1" else 0)
            row.update(suite_s=wall, scenarios=passed, per_scenario_s=wall / passed if passed else float("nan"),
                       per_s=passed / wall)
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rigs", nargs="+", default=DEFAULT_RIGS)
    parser.add_argument("--rounds", type=int, default=300, help="APDU round trips per rig")
    parser.add_argument("--no-suite", action="store_true", help="skip the full feature-suite timing")
    parser.add_argument("--parallel", action="store_true",
                        help="instead: the feature suites with pytest -n against serial (default rigs: sim, QEMU)")
    parser.add_argument("--workers", type=int, default=2, help="with --parallel: pytest -n WORKERS")
    parser.add_argument("--repeats", type=int, default=3, help="with --parallel: runs of each, medians reported")
    args = parser.parse_args()
    if args.parallel:
        from speedup import report  # benchmarks/speedup.py, beside this file

        rigs = args.rigs if args.rigs != DEFAULT_RIGS else ["sim", "qemu-stm32f4"]
        return report(rigs, args.workers, args.repeats, rig_file)
    rows = [r for r in (measure(n, args.rounds, not args.no_suite) for n in args.rigs) if r]
    head = f"{'rig':<14}{'start s':>9}{'power cycle s':>15}{'APDU median ms':>16}{'APDU p99 ms':>13}"
    if not args.no_suite:
        head += f"{'suite s':>10}{'scenarios':>11}{'s/scenario':>12}{'scenarios/s':>13}"
    print(head)
    for r in rows:
        line = (f"{r['rig']:<14}{r['start']:>9.3f}{r['power_cycle']:>15.3f}{r['median_ms']:>16.3f}"
                f"{r['p99_ms']:>13.3f}")
        if "suite_s" in r:
            line += f"{r['suite_s']:>10.1f}{r['scenarios']:>11}{r['per_scenario_s']:>12.3f}{r['per_s']:>13.2f}"
        print(line)
    print_sim_ble_before_and_after(rows)
    return 0


def print_sim_ble_before_and_after(rows: list[dict]) -> None:
    now = next((r for r in rows if r["rig"] == "sim-ble"), None)
    if now is None:
        return
    print("\nsim-ble APDU round trip, ms: the hand-written radio (recorded) and bumble's stack (this run)")
    for label, median, p99 in SIM_BLE_BEFORE_BUMBLE:
        print(f"  old  median {median:7.3f}  p99 {p99:7.3f}   ({label})")
    print(f"  new  median {now['median_ms']:7.3f}  p99 {now['p99_ms']:7.3f}   (measured now, through bumble)")


if __name__ == "__main__":
    sys.exit(main())
