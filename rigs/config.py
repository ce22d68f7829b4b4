"""Rig files: TOML that names a target, its settings and the rig's capabilities, validated by pydantic.

Every mistake in a rig file is a BadRigFile naming the file, the key, what was expected and the value found.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

RIGS_DIR = Path(__file__).resolve().parent

# Capabilities a rig file may declare; a scenario tagged @needs_<capability> is skipped without it.
Capability = Literal["debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"]
KNOWN_CAPABILITIES = frozenset(Capability.__args__)

# Rig files and targets' [settings] are read strictly: "20" is not a number, 48123 is not a URL.
STRICT = ConfigDict(strict=True, extra="forbid")


def settings_dataclass(cls: type) -> type:
    """The decorator for a target's Settings: a frozen dataclass whose fields pydantic checks by type."""
    return pydantic.dataclasses.dataclass(frozen=True, config=STRICT)(cls)


class RigError(Exception):
    """A rig file that cannot be used, or a rig that cannot be reached; never a failed test."""


class BadRigFile(RigError):
    """The rig file (or the rig name) is wrong: a usage error, exit code 2."""


class RigUnavailable(RigError):
    """A tool the rig needs (an emulator, a flasher) is not installed on this machine. The message says how to
    install it."""


# The firmware version every rig's device reports unless its rig file says otherwise (docs/protocol.md).
DEFAULT_FIRMWARE_VERSION = "1.5.08"

def _checked(pattern: str, what: str):
    """A string validator whose error says what the value should look like, in the reader's words."""
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"should be {what}")
        return value
    return AfterValidator(check)


# A device serial number as APDU 80CA004400 answers it: 1-16 printable ASCII characters.
Serial = Annotated[str, _checked(r"[!-~]([ -~]{0,14}[!-~])?",
                                 "a device serial number (1-16 printable ASCII characters, as APDU 80CA004400 "
                                 "answers)")]
FirmwareVersion = Annotated[str, _checked(r"\d+\.\d+\.\d\d", 'a version like "1.5.08"')]


class RigFile(BaseModel):
    """The top level of a rig file, exactly the keys allowed."""
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    target: str
    name: str | None = None
    capabilities: tuple[Capability, ...] = ()
    seed: int | None = None
    description: str = ""
    settings: dict[str, Any] = {}
    # A physical device (a board on a bench): wiping it needs its serial number in allowed_serials.
    physical: bool = False
    allowed_serials: tuple[Serial, ...] = ()
    firmware_version: FirmwareVersion = DEFAULT_FIRMWARE_VERSION

    @pydantic.model_validator(mode="after")
    def _serials_need_a_physical_rig(self) -> "RigFile":
        if self.allowed_serials and not self.physical:  # a typo must never silently allow a wipe
            raise ValueError("'allowed_serials' only means something on a rig with physical = true")
        return self


@dataclass(frozen=True)
class RigConfig:
    name: str
    target: str
    capabilities: frozenset[str]
    seed: int | None = None
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    physical: bool = False
    allowed_serials: tuple[str, ...] = ()
    firmware_version: str = DEFAULT_FIRMWARE_VERSION

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def find_rig_file(name_or_path: str) -> Path:
    """A path to a .toml, or the name of a rig file in rigs/ (without .toml)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    named = RIGS_DIR / f"{name_or_path}.toml"
    if named.is_file():
        return named
    known = ", ".join(sorted(p.stem for p in RIGS_DIR.glob("*.toml")))
    raise BadRigFile(f"no rig file {name_or_path!r}: give a path to a .toml or one of: {known}")


def _lists_as_tuples(value: Any) -> Any:
    """TOML's only arrays are lists; rig settings hold them as tuples (frozen)."""
    return tuple(value) if isinstance(value, list) else value


def describe_errors(where: str, exc: ValidationError, allowed: list[str], section: str = "") -> str:
    """One line per mistake: the file, the key, what was expected and the value found."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in (section, *err["loc"]) if part != "") or "rig file"
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            problem = f"unknown key; known: {', '.join(allowed)}"
        elif err["type"] in ("missing", "missing_argument"):
            problem = "required, but missing"
        else:
            expected = err["msg"].removeprefix("Value error, ").replace("a valid tuple", "a list")  # TOML: list
            problem = f"{expected}, got {err['input']!r}"
        lines.append(f"{where}: {key}: {problem}")
    return "\n".join(lines)


def load_rig(name_or_path: str) -> RigConfig:
    path = find_rig_file(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise BadRigFile(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRigFile(f"{path}: cannot read it: {exc}") from None
    if "capabilities" in raw:
        raw["capabilities"] = _lists_as_tuples(raw["capabilities"])
    if "allowed_serials" in raw:
        raw["allowed_serials"] = _lists_as_tuples(raw["allowed_serials"])
    try:
        rig = RigFile.model_validate(raw)
    except ValidationError as exc:
        raise BadRigFile(describe_errors(str(path), exc, list(RigFile.model_fields))) from None
    return RigConfig(
        name=rig.name or path.stem,
        target=rig.target,
        capabilities=frozenset(rig.capabilities),
        seed=rig.seed,
        description=rig.description,
        settings=dict(rig.settings),
        path=path,
        physical=rig.physical,
        allowed_serials=rig.allowed_serials,
        firmware_version=rig.firmware_version,
    )


def settings_from(cls: type, rig: RigConfig):
    """Build a target's Settings from the rig file's [settings] table; every mistake is a BadRigFile."""
    values = {key: _lists_as_tuples(value) for key, value in rig.settings.items()}
    try:
        return cls(**values)
    except ValidationError as exc:
        known = [f.name for f in dataclasses.fields(cls)]
        raise BadRigFile(describe_errors(str(rig.path or f"rig {rig.name!r}"), exc, known, "settings")) from None
    except TypeError as exc:  # a plain dataclass (not settings_dataclass): unknown or missing keys
        raise BadRigFile(f"{rig.path or rig.name}: settings: {exc}") from None
