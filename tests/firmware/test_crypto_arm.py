"""The crypto sources compile for the Cortex-M4 with -Werror, link only against the
allowed libc calls, and no public call needs more than 4 KiB of stack."""
import glob
import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FW_TESTS = os.path.join(REPO, "firmware", "tests")
ARM_DIR = os.path.join(REPO, "firmware", "build", "arm-crypto")
ALLOWED_LIBC = {"memcpy", "memset", "memcmp", "strlen", "strcmp"}
LIBC_FRAME_GUESS = 64  # bytes charged for a newlib call we cannot see into
STACK_LIMIT = 4096


@pytest.fixture(scope="module")
def arm_objs():
    if not shutil.which("arm-none-eabi-gcc"):
        pytest.skip("arm-none-eabi-gcc not installed (apt-get install gcc-arm-none-eabi "
                    "libnewlib-arm-none-eabi): target compile not checked")
    r = subprocess.run(["make", "-C", FW_TESTS, "arm"], capture_output=True, text=True)
    assert r.returncode == 0, f"arm build failed:\n{r.stdout}\n{r.stderr}"
    print(r.stdout.split("arm-none-eabi-size", 1)[-1])  # size table, shown with -s
    objs = sorted(glob.glob(os.path.join(ARM_DIR, "*.o")))
    assert len(objs) >= 11
    return objs


def test_only_allowed_external_symbols(arm_objs):
    out = subprocess.run(["arm-none-eabi-nm", "-u", *arm_objs], capture_output=True,
                         text=True, check=True).stdout
    undefined = {ln.split()[-1] for ln in out.splitlines() if ln.strip().startswith("U ")}
    foreign = {s for s in undefined if not s.startswith("kb_")}
    assert foreign <= ALLOWED_LIBC, foreign - ALLOWED_LIBC


def load_callgraph():
    """Merge GCC's -fcallgraph-info=su files: {function: frame bytes}, {function: callees}."""
    frames, calls = {}, {}
    node = re.compile(r'node: \{ title: "([^"]+)" label: "[^"]*\\n(\d+) bytes \((\w+)')
    edge = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
    for ci in glob.glob(os.path.join(ARM_DIR, "*.ci")):
        text = open(ci, encoding="utf-8").read()
        for title, size, kind in node.findall(text):
            assert kind == "static", f"{title} has a {kind} stack frame"
            frames[title] = int(size)
        for src, dst in edge.findall(text):
            calls.setdefault(src, set()).add(dst)
    return frames, calls


def test_worst_case_stack_per_public_call(arm_objs):
    frames, calls = load_callgraph()

    def depth(fn, path=()):
        assert fn not in path, f"recursion: {' -> '.join(path + (fn,))}"
        if fn not in frames:  # defined outside the crypto library
            assert fn in ALLOWED_LIBC, fn
            return LIBC_FRAME_GUESS
        return frames[fn] + max((depth(c, path + (fn,)) for c in calls.get(fn, ())), default=0)

    public = [f for f in frames if f.startswith("kb_")]
    assert "kb_bip39_seed" in public and "kb_secp256k1_ecdh_x" in public
    worst = {f: depth(f) for f in public}
    over = {f: d for f, d in worst.items() if d >= STACK_LIMIT}
    print(sorted(worst.items(), key=lambda kv: -kv[1])[:5])
    assert not over, over
