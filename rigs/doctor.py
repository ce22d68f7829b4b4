"""Rig preflight: can this rig be reached, and is the device on it the one the suites expect?

`keybench doctor --rig NAME` (or `python -m keybench.rigs doctor`) runs it by hand; the pytest plugin runs the same
device check once at session start. A broken bench is reported as such, with its own exit code, never as a failed test.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

from keybench.protocol import imkey
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import ErrorCode
from keybench.protocol.status import StatusError
from keybench.rigs import guard
from keybench.rigs.bench import Bench
from keybench.rigs.config import RigConfig, RigError, RigUnavailable, load_rig
from keybench.rigs.link import DeviceFrameError, LinkError
from keybench.rigs.registry import target_class


class Verdict(enum.IntEnum):
    """Exit codes of `python -m keybench.rigs doctor`. 3 is also what pytest exits with when the bench is broken."""
    READY = 0
    BAD_RIG_FILE = 2
    BENCH_BROKEN = 3
    NOT_INSTALLED = 4


BROKEN = "the bench, not a test, failed"


@dataclass(frozen=True)
class DeviceInfo:
    se_id: str
    serial: str
    firmware_version: str
    debug_link: bool | None = None  # None: not probed (a raw-APDU link has no debug channel to ask)


def probe_debug_link(bench: Bench) -> bool | None:
    """Ask for the debug SCREEN. An answer (even error 11, device off) means the device has a debug link; error
    frame 04 unknown_channel means firmware built without one (DEBUGLINK=0, a board handed to people)."""
    if not getattr(bench.link.transport, "carries_frames", True):
        return None
    try:
        bench.link.debug(Op.SCREEN)
    except DeviceFrameError as exc:
        if exc.code == ErrorCode.UNKNOWN_CHANNEL:
            return False
    return True


def operator_only_refusal(rig: RigConfig, describe: str, has_debug_link: bool | None) -> str | None:
    """Why a rig that claims debug_link cannot run on this device, or None."""
    if has_debug_link is False and rig.has("debug_link"):
        return (f"{describe}: the rig file claims capability 'debug_link', but the device has none (it answers "
                f"debug requests with error frame unknown_channel: firmware built with DEBUGLINK=0). Remove "
                f"debug_link and what needs it (power_cut, factory_erase) from capabilities in "
                f"{rig.path or rig.name} to run the suites in operator mode")
    return None


def check_device(bench: Bench) -> DeviceInfo:
    """Read the info APDUs (SE id, serial number, firmware version) and compare the version with the rig's."""
    rig = bench.rig
    try:
        se_id = bench.link.apdu_ok(imkey.SE_ID, "read the SE id").hex().upper()
        serial = bench.device_serial()
        version = imkey.firmware_version_text(bench.link.apdu_ok(imkey.FIRMWARE_VERSION, "read the version"))
    except (LinkError, StatusError) as exc:
        raise RigError(f"{bench.target.describe()}: the device does not answer its info APDUs ({exc})") from None
    if version != rig.firmware_version:
        raise RigError(f"{bench.target.describe()}: the device runs firmware {version}, the rig file expects "
                       f"{rig.firmware_version} (firmware_version in {rig.path or rig.name})")
    try:
        has_debug_link = probe_debug_link(bench)
    except LinkError as exc:
        if rig.has("debug_link"):
            raise RigError(f"{bench.target.describe()}: the rig claims debug_link, but the device does not answer a "
                           f"debug SCREEN probe ({exc})") from None
        has_debug_link = None
    refusal = operator_only_refusal(rig, bench.target.describe(), has_debug_link)
    if refusal:
        raise RigError(refusal)
    return DeviceInfo(se_id, serial, version, has_debug_link)


def open_checked(rig: RigConfig) -> tuple[Bench, DeviceInfo]:
    """Bench.open plus check_device; the bench is closed again if the check fails."""
    bench = Bench.open(rig)
    try:
        return bench, check_device(bench)
    except BaseException:
        bench.close()
        raise


def diagnose(name_or_path: str, say: Callable[[str], None] = print) -> Verdict:
    """Check one rig step by step, saying what was found; the verdict is the exit code."""
    try:
        rig = load_rig(name_or_path)
        target = target_class(rig.target)(rig)
    except RigError as exc:
        say(f"rig {name_or_path!r}: rig file not usable: {exc}")
        return Verdict.BAD_RIG_FILE
    say(f"rig {rig.name!r} ({rig.path}): {target.describe()}")
    try:
        for line in target.check_tools():
            say(f"  tool: {line}")
        for line in target.survey():
            say(f"  {line}")
        bench, info = open_checked(rig)
    except RigUnavailable as exc:
        say(f"  NOT INSTALLED here (tests on this rig are skipped, not failed): {exc}")
        return Verdict.NOT_INSTALLED
    except RigError as exc:
        say(f"  BENCH BROKEN ({BROKEN}): {exc}")
        return Verdict.BENCH_BROKEN
    try:
        say(f"  device: SE id {info.se_id}, serial {info.serial}, firmware {info.firmware_version}")
        if info.debug_link is False:
            say("  debug link: none (compiled out, DEBUGLINK=0 firmware): OPERATOR-ONLY, a bench operator does "
                "the physical side")
        elif info.debug_link and not rig.has("debug_link"):
            say("  debug link: the device has one, but the rig file does not claim it: the suites ask an operator")
        if rig.physical:
            refusal = guard.wipe_refusal(rig, info.serial)
            say(f"  physical device: {refusal}; scenarios tagged @{guard.WIPE_TAG} will be skipped" if refusal
                else "  physical device: its serial is in allowed_serials; wiping scenarios may run")
    finally:
        bench.close()
    say(f"  READY: rig {rig.name!r} can run the suites")
    return Verdict.READY
