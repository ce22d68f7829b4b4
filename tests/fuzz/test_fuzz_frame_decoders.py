"""The firmware's frame decoder (firmware/src/frame.c, loaded with ctypes) and the Python one (protocol/framing.py)
decode every byte stream alike: the same frames and the same errors (code, seq and message) in the same order,
with the inter-byte timeout firing at the same points. The C side gets bytes one at a time, as its serve loop does;
the Python side gets the chunks as they come."""
from __future__ import annotations

import ctypes
import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fuzzkit
from keybench.protocol.framing import Frame, FrameDecoder

FW = Path(__file__).resolve().parents[2] / "firmware"
OUT_CAP = 1 << 20


@pytest.fixture(scope="module")
def c_decoder():
    if not shutil.which("make") or not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("make and a C compiler are needed to build the firmware's frame decoder")
    (FW / "build").mkdir(exist_ok=True)
    with open(FW / "build" / ".make-fuzz.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "-s", "-C", str(FW / "fuzz"), "shim"], capture_output=True, text=True,
                           timeout=300)
    assert r.returncode == 0, f"make -C firmware/fuzz shim failed:\n{r.stdout}\n{r.stderr}"
    lib = ctypes.CDLL(str(FW / "build" / "fuzz" / "libkbframe.so"))
    for name in ("kbf_feed", "kbf_expire"):
        getattr(lib, name).restype = ctypes.c_long
    lib.kbf_feed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    lib.kbf_expire.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib


def records(raw: bytes) -> list:
    out, at = [], 0
    while at < len(raw):
        kind, tag, seq, n = raw[at], raw[at + 1], raw[at + 2], int.from_bytes(raw[at + 3:at + 5], "big")
        body = raw[at + 5:at + 5 + n]
        out.append(("frame", tag, seq, body) if kind == 1 else ("error", tag, seq, body.decode("ascii")))
        at += 5 + n
    return out


def c_items(lib, chunks: list[bytes]) -> list:
    buf, out = ctypes.create_string_buffer(OUT_CAP), []
    lib.kbf_reset()
    for chunk in chunks:
        if chunk is None:  # the line goes quiet: timeouts until nothing is buffered
            for _ in range(2000):
                if not lib.kbf_mid_frame():
                    break
                n = lib.kbf_expire(buf, OUT_CAP)
                assert n >= 0
                out += records(buf.raw[:n])
            continue
        n = lib.kbf_feed(chunk, len(chunk), buf, OUT_CAP)
        assert n >= 0
        out += records(buf.raw[:n])
    return out


def python_items(chunks: list[bytes]) -> list:
    decoder, items = FrameDecoder(), []
    for chunk in chunks:
        items += decoder.expire() if chunk is None else decoder.feed(chunk)
    return [("frame", i.channel, i.seq, i.payload) if isinstance(i, Frame) else ("error", int(i.code), i.seq, str(i))
            for i in items]


@given(chunks=st.lists(fuzzkit.frame_pieces | st.none(), max_size=16))
def test_the_c_and_python_decoders_decode_every_stream_alike(c_decoder, chunks):
    chunks = chunks + [None]  # the stream ends in silence
    fuzzkit.COUNTS["byte streams into both frame decoders"] += 1
    assert c_items(c_decoder, chunks) == python_items(chunks)
