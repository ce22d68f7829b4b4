"""The guard rail for destructive work on physical devices.

A scenario that wipes a device (tagged @wipes_device) and the per-scenario factory erase run on a physical rig
only when the device's serial number (APDU 80CA004400) is on the rig file's allowed_serials: a bench board may
hold someone's wallet, and a wrong --rig must never erase it.
"""
from __future__ import annotations

from keybench.protocol import imkey
from keybench.rigs.config import RigConfig
from keybench.rigs.link import Link

WIPE_TAG = "wipes_device"


class WipeRefused(Exception):
    """A wipe was asked for on a physical device that the rig file does not allow to be wiped."""


def read_serial(link: Link) -> str:
    raw = link.apdu_ok(imkey.SERIAL_NUMBER, "read the serial number")
    return raw.decode("ascii", "replace")


def wipe_refusal(rig: RigConfig, serial: str | None) -> str | None:
    """Why wiping this device is not allowed, or None when it is (a non-physical rig, or a listed serial)."""
    if not rig.physical:
        return None
    if serial is not None and serial in rig.allowed_serials:
        return None
    where = rig.path or rig.name
    shown = "unknown" if serial is None else repr(serial)
    return (f"device serial {shown} is not in allowed_serials of rig file {where}: "
            f"a physical device is wiped only when its serial is listed there")
