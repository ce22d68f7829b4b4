"""The imKey-like command set: AIDs, lifecycle bytes and the APDUs the app sends (docs/protocol.md)."""
from __future__ import annotations

import enum
import re

from keybench.protocol.apdu import Command


class Aid(bytes, enum.Enum):
    IMK = bytes.fromhex("695F696D6B")
    BTC = bytes.fromhex("695F627463")
    ETH = bytes.fromhex("695F657468")
    BOOTLOADER = bytes.fromhex("D0426F6F746C6F61646572")


class Lifecycle(enum.IntEnum):
    INITED = 0x80
    ACTIVATED = 0x89
    PIN_UNSET = 0x81
    WALLET_UNREADY = 0x83
    CREATING = 0x84
    RECOVERING = 0x85
    READY = 0x86


class BindStatus(enum.IntEnum):
    UNBOUND = 0x00
    BOUND_THIS = 0x55
    BOUND_OTHER = 0xAA


IDENTITY_OK = 0x5A
IDENTITY_WRONG_CODE = 0xA5

BIND_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BIND_CODE_RE = re.compile(r"^[A-HJ-NP-Z2-9]{8}$")
BLE_NAME_RE = re.compile(r"^[0-9A-Za-z]{1,12}$")
CERT_PUBKEY_TAGS = (bytes.fromhex("7F4947B041"), bytes.fromhex("7F4946B041"))


class Ins(enum.IntEnum):
    SELECT = 0xA4
    GET_SE_DATA = 0xCB  # SE id and firmware version, by the tag in the data
    GET_SN = 0xCA
    BATTERY = 0xD6
    LIFECYCLE = 0xDC
    GET_BLE_NAME = 0xDB
    SET_BLE_NAME = 0xDA
    BIND_CHECK = 0x71
    BIND_DISPLAY = 0x72
    IDENTITY_VERIFY = 0x73
    BIND_CHECK_PC = 0x74
    IDENTITY_VERIFY_PC = 0x75
    BTC_PUBKEY = 0x43
    ETH_PUBKEY = 0x53


SEID_TAG = bytes.fromhex("DFFF028101")
VERSION_TAG = bytes.fromhex("DFFF028003")


def select(aid: Aid) -> Command:
    return Command(0x00, Ins.SELECT, 0x04, 0x00, aid.value, le=0)


SE_ID = Command(0x80, Ins.GET_SE_DATA, 0x80, 0x00, SEID_TAG)
FIRMWARE_VERSION = Command(0x80, Ins.GET_SE_DATA, 0x80, 0x00, VERSION_TAG, le=0)
SERIAL_NUMBER = Command(0x80, Ins.GET_SN, 0x00, 0x44, le=0)
BATTERY = Command(0x00, Ins.BATTERY, 0xFE, 0xED, le=1)
LIFECYCLE = Command(0xFF, Ins.LIFECYCLE, 0xFE, 0xED, le=0)
GET_BLE_NAME = Command(0xFF, Ins.GET_BLE_NAME, 0x46, 0x54, le=0)
DISPLAY_BIND_CODE = Command(0x80, Ins.BIND_DISPLAY, 0x00, 0x00, le=0)


def set_ble_name(name: str) -> Command:
    return Command(0xFF, Ins.SET_BLE_NAME, 0x46, 0x54, name.encode("ascii"), le=0)


def bind_check(app_pub: bytes, pc: bool = False) -> Command:
    return Command(0x80, Ins.BIND_CHECK_PC if pc else Ins.BIND_CHECK, 0x00, 0x00, app_pub, le=0)


def identity_verify(app_pub: bytes, proof: bytes, pc: bool = False) -> Command:
    ins = Ins.IDENTITY_VERIFY_PC if pc else Ins.IDENTITY_VERIFY
    return Command(0x80, ins, 0x80, 0x00, app_pub + proof, le=0)


def get_pubkey(coin: Aid, path: str) -> Command:
    ins = {Aid.BTC: Ins.BTC_PUBKEY, Aid.ETH: Ins.ETH_PUBKEY}[coin]
    return Command(0x80, ins, 0x00, 0x00, path.encode("ascii"), le=0)


def se_pubkey_from_certificate(cert: bytes) -> bytes:
    """The 65-byte SE public key that follows tag 7F49 47|46 B0 41 in the certificate."""
    for tag in CERT_PUBKEY_TAGS:
        at = cert.find(tag)
        if at >= 0 and len(cert) >= at + len(tag) + 65:
            return cert[at + len(tag) : at + len(tag) + 65]
    raise ValueError("no SE public key (tag 7F4946B041 or 7F4947B041) in the certificate")


def firmware_version_text(raw: bytes) -> str:
    """Two bytes 15 08 read as hex digits give '1.5.08'."""
    digits = raw.hex()
    return f"{digits[0]}.{digits[1]}.{digits[2:]}"


def path_is_valid(path: str) -> bool:
    """The device's path check: ^m/[0-9'/]+$, 2..10 levels, <= 100 chars, indexes below 2^31, no empty level."""
    if len(path) > 100 or not re.fullmatch(r"m/[0-9'/]+", path):
        return False
    levels = path.split("/")[1:]
    if not 2 <= len(levels) <= 10:
        return False
    return all(re.fullmatch(r"[0-9]+'?", lv) and int(lv.rstrip("'")) < 2**31 for lv in levels)
