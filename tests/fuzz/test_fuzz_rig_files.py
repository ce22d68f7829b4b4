"""Property test of rig files (rigs/config.py, its public API only): any file handed to load_rig gives a RigConfig
or a RigError naming the problem, never another exception."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import fuzzkit
from keybench.rigs.config import RIGS_DIR, RigConfig, RigError, load_rig

KEYS = ["name", "target", "capabilities", "seed", "description", "settings", "physical", "allowed_serials",
        "firmware_version"]
WORDS = ["sim", "qemu", "debug_link", "power_cut", "power_cycle", "factory_erase", "destructive", "1.5.08",
         "imKey01191200001", " imKey ", "", "x" * 17, "socket://127.0.0.1:1"]


def toml_key(key: str) -> str:
    return key if key.replace("_", "a").replace("-", "a").isalnum() and key.isascii() else json.dumps(key)


def toml_value(value) -> str:
    """A TOML literal for the generated value (JSON strings are valid TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value) if not isinstance(value, float) or value == value and abs(value) != float("inf") \
            else ("nan" if value != value else "inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(), st.sampled_from(WORDS), st.text())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(min_size=1), inner, max_size=4),
                      max_leaves=12)
documents = st.dictionaries(st.sampled_from(KEYS) | st.text(min_size=1, max_size=12), values, max_size=10).map(
    lambda doc: "\n".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in doc.items()) + "\n")
real_files = [p.read_text() for p in sorted(RIGS_DIR.glob("*.toml"))]


@st.composite
def mutated_real_files(draw):
    """A shipped rig file with lines dropped, repeated or replaced."""
    lines = draw(st.sampled_from(real_files)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["drop", "repeat", "replace"]))
        if action == "drop" and lines:
            del lines[i]
        elif action == "repeat" and lines:
            lines.insert(i, lines[i])
        else:
            key = draw(st.sampled_from(KEYS))
            lines.insert(i, f"{key} = {toml_value(draw(values))}")
    return "\n".join(lines) + "\n"


contents = st.one_of(documents.map(str.encode), mutated_real_files().map(str.encode), st.text().map(str.encode),
                     st.binary(max_size=200))


@given(content=contents)
def test_any_rig_file_gives_a_rig_or_a_rig_error(content):
    with tempfile.TemporaryDirectory(prefix="kb-rigfuzz-") as folder:
        path = Path(folder) / "fuzzed.toml"
        path.write_bytes(content)
        fuzzkit.COUNTS["rig files into load_rig"] += 1
        try:
            rig = load_rig(str(path))
        except RigError as exc:
            assert str(exc), "a RigError without a message"
            return
    fuzzkit.COUNTS["rig files accepted by load_rig"] += 1
    assert isinstance(rig, RigConfig) and isinstance(rig.target, str) and rig.name
