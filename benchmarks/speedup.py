"""`pytest -n N` against serial on the same rig, side by side: `python benchmarks/bench.py --parallel`.

Each repeat runs serial and parallel back to back (their order alternating between repeats, so a machine that gets
busier or quieter during the run favours neither), and the speed-up is taken within each repeat; medians are
printed. Two variants: the suite as this development virtualenv runs it, and without Hypothesis's pytest plugin
(hypothesis is a test extra a QA install does not have; its plugin imports all of Hypothesis when each pytest
process ends). A run that selects no scenario shows the fixed cost: start, collection, workers, exit. "Cores used"
is the CPU time of pytest and all it started over the wall time: on a machine other jobs share, a -n 2 run that
gets well under 2 cores could not go faster.
"""
from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"as installed": [], "no hypothesis plugin": ["-p", "no:hypothesispytest"]}
NOTHING = ["-k", "keybench_benchmark_selects_nothing"]  # deselects every scenario


@dataclass
class Run:
    wall_s: float
    pytest_s: float | None  # what pytest prints ("79 passed in 8.1s")
    passed: int
    summary: str
    cpu_s: float  # user + system time of pytest and everything it started (workers, emulators)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_suite(rig: str, *extra: str) -> Run:
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "features", "--rig", rig, "-q", *extra], cwd=ROOT,
                            capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    lines = result.stdout.strip().splitlines()
    summary = lines[-1] if lines else result.stderr.strip()[-300:]
    took = re.search(r" in ([\d.]+)s", summary)
    passed = re.search(r"(\d+) passed", summary)
    return Run(wall, float(took[1]) if took else None, int(passed[1]) if passed else 0, summary,
               children_cpu() - cpu)


def compare(rig: str, workers: int, repeats: int, extra: list[str]) -> dict:
    """Serial and -n `workers` runs of the whole suite, `repeats` times each; medians and per-repeat ratios."""
    serial, parallel = [], []
    for i in range(repeats):
        pair = {}
        for mode in (("serial", "parallel") if i % 2 == 0 else ("parallel", "serial")):
            pair[mode] = run_suite(rig, *extra, *(["-n", str(workers)] if mode == "parallel" else []))
        serial.append(pair["serial"])
        parallel.append(pair["parallel"])
        for mode, run in pair.items():
            if not run.passed or re.search(r"failed|error", run.summary):
                print(f"  note: {rig} {mode} did not pass: {run.summary}")
    empty_serial = run_suite(rig, *extra, *NOTHING).wall_s
    empty_parallel = run_suite(rig, *extra, *NOTHING, "-n", str(workers)).wall_s

    def median(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else float("nan")

    return {
        "serial_wall": median(r.wall_s for r in serial), "parallel_wall": median(r.wall_s for r in parallel),
        "serial_pytest": median(r.pytest_s for r in serial), "parallel_pytest": median(r.pytest_s for r in parallel),
        "ratio_wall": median(s.wall_s / p.wall_s for s, p in zip(serial, parallel, strict=True)),
        "ratio_pytest": median(s.pytest_s / p.pytest_s for s, p in zip(serial, parallel, strict=True)
                               if s.pytest_s and p.pytest_s),
        "serial_cores": median(r.cpu_s / r.wall_s for r in serial),
        "parallel_cores": median(r.cpu_s / r.wall_s for r in parallel),
        "scenarios": serial[0].passed, "empty_serial": empty_serial, "empty_parallel": empty_parallel,
    }


def report(rigs: list[str], workers: int, repeats: int, rig_file) -> int:
    print(f"pytest -n {workers} against serial, {repeats} repeats each, medians; {os.cpu_count()} cores; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    head = (f"{'rig':<14}{'variant':<22}{'scen.':>6}{'serial s':>10}{'-n s':>8}{'speed-up':>10}"
            f"{'pytest serial s':>17}{'pytest -n s':>13}{'speed-up':>10}{'cores used serial/-n':>22}"
            f"{'no-scenario serial/-n s':>25}")
    rows = []
    for rig in rigs:
        with rig_file(rig, devices=workers) as rig_path:
            for variant, extra in VARIANTS.items():
                rows.append((rig, variant, compare(rig_path, workers, repeats, extra)))
    print(head)
    for rig, variant, r in rows:
        print(f"{rig:<14}{variant:<22}{r['scenarios']:>6}{r['serial_wall']:>10.2f}{r['parallel_wall']:>8.2f}"
              f"{r['ratio_wall']:>9.2f}x{r['serial_pytest']:>17.2f}{r['parallel_pytest']:>13.2f}"
              f"{r['ratio_pytest']:>9.2f}x{r['serial_cores']:>14.2f} / {r['parallel_cores']:.2f}"
              f"{r['empty_serial']:>15.2f} / {r['empty_parallel']:.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.2f} (other jobs on this machine slow both sides)")
    return 0
