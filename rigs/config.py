"""Rig files: TOML that names a target, its settings and the rig's capabilities."""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RIGS_DIR = Path(__file__).resolve().parent

# Capabilities a rig file may declare; a scenario tagged @needs_<capability> is skipped without it.
KNOWN_CAPABILITIES = frozenset({"debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"})


class RigError(Exception):
    """A rig file that cannot be used, or a rig that cannot be reached; never a failed test."""


class RigUnavailable(RigError):
    """A tool the rig needs (an emulator, a flasher) is not installed on this machine: a skip, not a failure.
    The message says how to install it."""


# The firmware version every rig's device reports unless its rig file says otherwise (docs/protocol.md).
DEFAULT_FIRMWARE_VERSION = "1.5.08"


@dataclass(frozen=True)
class RigConfig:
    name: str
    target: str
    capabilities: frozenset[str]
    seed: int | None = None
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    # A physical device (a board on a bench): wiping it needs its serial number in allowed_serials.
    physical: bool = False
    allowed_serials: tuple[str, ...] = ()
    firmware_version: str = DEFAULT_FIRMWARE_VERSION

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def find_rig_file(name_or_path: str) -> Path:
    """A path to a .toml, or the name of a rig file in rigs/ (without .toml)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" and candidate.exists():
        return candidate
    named = RIGS_DIR / f"{name_or_path}.toml"
    if named.exists():
        return named
    known = ", ".join(sorted(p.stem for p in RIGS_DIR.glob("*.toml")))
    raise RigError(f"no rig file {name_or_path!r}: give a path to a .toml or one of: {known}")


def load_rig(name_or_path: str) -> RigConfig:
    path = find_rig_file(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise RigError(f"{path}: not valid TOML: {exc}") from None
    allowed = {"name", "target", "capabilities", "seed", "description", "settings",
               "physical", "allowed_serials", "firmware_version"}
    unknown = set(raw) - allowed
    if unknown:
        raise RigError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    if "target" not in raw:
        raise RigError(f"{path}: missing 'target' (the kind of device backend)")
    caps = frozenset(raw.get("capabilities", []))
    bad = caps - KNOWN_CAPABILITIES
    if bad:
        raise RigError(f"{path}: unknown capabilities {sorted(bad)}; known: {sorted(KNOWN_CAPABILITIES)}")
    physical, allowed_serials, firmware_version = _device_keys(path, raw)
    return RigConfig(
        name=raw.get("name", path.stem),
        target=raw["target"],
        capabilities=caps,
        seed=raw.get("seed"),
        description=raw.get("description", ""),
        settings=dict(raw.get("settings", {})),
        path=path,
        physical=physical,
        allowed_serials=allowed_serials,
        firmware_version=firmware_version,
    )


def _device_keys(path: Path, raw: dict) -> tuple[bool, tuple[str, ...], str]:
    """physical, allowed_serials, firmware_version: checked here so a typo never silently allows a wipe."""
    physical = raw.get("physical", False)
    if not isinstance(physical, bool):
        raise RigError(f"{path}: 'physical' must be true or false, not {physical!r}")
    serials = raw.get("allowed_serials", [])
    if not isinstance(serials, list) or not all(isinstance(s, str) and s.strip() == s and 0 < len(s) <= 16
                                                 and s.isascii() and s.isprintable() for s in serials):
        raise RigError(f"{path}: 'allowed_serials' must be a list of device serial numbers "
                       f"(1-16 printable ASCII characters each, as APDU 80CA004400 answers), not {serials!r}")
    if serials and not physical:
        raise RigError(f"{path}: 'allowed_serials' only means something on a rig with physical = true")
    version = raw.get("firmware_version", DEFAULT_FIRMWARE_VERSION)
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+\.\d\d", version):
        raise RigError(f"{path}: 'firmware_version' must look like \"1.5.08\", not {version!r}")
    return physical, tuple(serials), version


def settings_from(cls: type, rig: RigConfig):
    """Build a target's settings dataclass from the rig file's [settings] table, naming any unknown key."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(rig.settings) - names
    if unknown:
        raise RigError(f"rig {rig.name!r}: unknown settings {sorted(unknown)} for target {rig.target!r}; "
                       f"known: {sorted(names)}")
    return cls(**rig.settings)
