"""The firmware's parsers under libFuzzer with AddressSanitizer and UBSan (firmware/fuzz/, docs/fuzzing.md): the
seed corpora replay clean, then each target runs for a short bounded time. A crash, a sanitizer report, a harness
check (frames, resync, APDUs and debug messages into the whole device, storage images at mount) or an input that
runs longer than 10 s fails the test and leaves the input in the test's temporary folder.

KB_FUZZ_SECONDS sets the seconds per target (default 8; scripts/fuzz-campaign runs them longer)."""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import fuzzkit

FW = Path(__file__).resolve().parents[2] / "firmware"
FUZZ, BUILD = FW / "fuzz", FW / "build" / "fuzz"
TARGETS = ["frame", "resync", "device", "storage"]
SECONDS = int(os.environ.get("KB_FUZZ_SECONDS", "8"))


@pytest.fixture(scope="module")
def built():
    if shutil.which("clang") is None:
        pytest.skip("clang is not installed (scripts/setup.sh's kb_firmware_tools installs it): "
                    "the libFuzzer targets cannot be built")
    (FW / "build").mkdir(exist_ok=True)
    with open(FW / "build" / ".make-fuzz.lock", "w") as lock:  # one build at a time across test processes
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "-s", "-j2", "-C", str(FUZZ)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"make -C firmware/fuzz failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return BUILD


def run(binary: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["nice", "-n", "5", str(binary), *args], capture_output=True, text=True,
                          timeout=timeout)


def failure(r: subprocess.CompletedProcess) -> str:
    lines = [line for line in r.stderr.splitlines()
             if re.search(r"FUZZ CHECK|ERROR|SUMMARY|runtime error|Test unit written", line)]
    return "\n".join(lines[:20]) or r.stderr[-3000:]


@pytest.mark.parametrize("target", TARGETS)
def test_seed_corpus_replays_clean(built, target):
    seeds = sorted((FUZZ / "seeds" / target).iterdir())
    assert len(seeds) >= 5, f"the {target} seed corpus is missing (python firmware/fuzz/make_seeds.py)"
    r = run(built / f"fuzz_{target}", *map(str, seeds), timeout=120)
    assert r.returncode == 0, failure(r)


@pytest.mark.parametrize("target", TARGETS)
def test_short_libfuzzer_run_finds_nothing(built, target, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    r = run(built / f"fuzz_{target}", f"-max_total_time={SECONDS}", "-seed=1", "-timeout=10",
            "-rss_limit_mb=1024", f"-artifact_prefix={tmp_path}/", str(corpus), str(FUZZ / "seeds" / target),
            timeout=SECONDS + 120)
    assert r.returncode == 0, f"libFuzzer found a problem in {target} (input kept in {tmp_path}):\n{failure(r)}"
    done = re.search(r"Done (\d+) runs in (\d+) second", r.stderr)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", r.stderr)
    assert done and int(done.group(1)) > 0 and cov, r.stderr[-2000:]
    fuzzkit.COUNTS[f"libFuzzer executions, {target}"] += int(done.group(1))
    fuzzkit.COUNTS[f"libFuzzer edges covered, {target}"] = max(fuzzkit.COUNTS[f"libFuzzer edges covered, {target}"],
                                                              int(cov[-1][0]))


def test_storage_writes_survive_an_image_with_unerased_free_space(built):
    r = run(built / "fuzz_storage", *map(str, sorted((FUZZ / "known").iterdir())), timeout=60)
    assert r.returncode == 0, failure(r)
