"""The host link: the APDUs the phone app sends, checked in the order docs/protocol.md gives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from keybench.protocol import binding
from keybench.protocol.apdu import ApduLengthError, Command, Response, status
from keybench.protocol.imkey import (BLE_NAME_RE, IDENTITY_OK, IDENTITY_WRONG_CODE, SEID_TAG, VERSION_TAG, Aid,
                                     BindStatus, path_is_valid)
from keybench.protocol.status import SW
from keybench.simulator import keys
from keybench.simulator.storage import Key

if TYPE_CHECKING:
    from keybench.simulator.device import Device

KNOWN_CLA = {0x00, 0x80, 0xFF}
SE_KEY_LABEL = b"keybench-se-key"


@dataclass(frozen=True)
class Spec:
    run: Callable[["Device", Command], Response]
    p1p2: tuple[int, int] | None  # None: any
    lc: int | None = None  # exact data length, None: any
    applet: Aid | None = None
    needs_wallet: bool = False


def handle(dev: "Device", raw: bytes) -> bytes:
    try:
        cmd = Command.decode(raw)
    except ApduLengthError:
        return status(SW.APDU_WRONG_LENGTH).encode()
    if cmd.cla not in KNOWN_CLA:
        return status(SW.CLA_NOT_SUPPORTED).encode()
    spec = COMMANDS.get((cmd.cla, cmd.ins))
    if spec is None or (spec.applet is not None and dev.selected != spec.applet.value):
        return status(SW.INS_NOT_SUPPORTED).encode()
    if spec.p1p2 is not None and (cmd.p1, cmd.p2) != spec.p1p2:
        return status(SW.INCORRECT_P1P2).encode()
    if spec.lc is not None and len(cmd.data) != spec.lc:
        return status(SW.APDU_WRONG_LENGTH).encode()
    if spec.needs_wallet:
        if not dev.has_wallet:
            return status(SW.WALLET_NOT_CREATED).encode()
        if not dev.unlocked:
            return status(SW.PIN_NOT_VERIFIED).encode()
    return spec.run(dev, cmd).encode()


def ok(data: bytes = b"") -> Response:
    return Response(data, SW.OK)


def select(dev: "Device", cmd: Command) -> Response:
    for aid in Aid:
        if cmd.data == aid.value:
            dev.selected = aid.value
            return ok()
    return status(SW.APPLET_NOT_EXIST)


def se_data(dev: "Device", cmd: Command) -> Response:
    if cmd.data == SEID_TAG:
        return ok(bytes.fromhex(dev.identity.se_id))
    if cmd.data == VERSION_TAG:
        return ok(dev.identity.firmware_version)
    return status(SW.COMMAND_DATA_ERROR)


def set_ble_name(dev: "Device", cmd: Command) -> Response:
    name = cmd.data.decode("ascii", "replace")
    if not BLE_NAME_RE.fullmatch(name):
        return status(SW.COMMAND_DATA_ERROR)
    dev.store.put(Key.BLE_NAME, cmd.data)
    return ok()


def se_key(dev: "Device"):
    return binding.key_from_hash_chain(SE_KEY_LABEL, bytes.fromhex(dev.identity.se_id))


def certificate(dev: "Device") -> bytes:
    """7F21 { 93 SE-id, 7F49 46 { B0 41 pub, F0 01 00 } }: the SE key follows tag 7F4946B041."""
    body = bytes.fromhex("9310") + bytes.fromhex(dev.identity.se_id)
    body += bytes.fromhex("7F4946B041") + binding.public_bytes(se_key(dev)) + bytes.fromhex("F00100")
    return bytes.fromhex("7F21") + bytes([len(body)]) + body


def _valid_point(raw: bytes) -> bool:
    try:
        binding.load_public(raw)
        return True
    except ValueError:
        return False


def bind_check(slot: Key) -> Callable[["Device", Command], Response]:
    def run(dev: "Device", cmd: Command) -> Response:
        if not _valid_point(cmd.data):
            return status(SW.COMMAND_DATA_ERROR)
        bound = dev.store.get(slot)
        state = BindStatus.UNBOUND if bound is None else (
            BindStatus.BOUND_THIS if bound == cmd.data else BindStatus.BOUND_OTHER)
        return ok(bytes([state]) + certificate(dev))

    return run


def identity_verify(slot: Key) -> Callable[["Device", Command], Response]:
    def run(dev: "Device", cmd: Command) -> Response:
        app_pub, proof = cmd.data[:65], cmd.data[65:]
        if not _valid_point(app_pub):
            return status(SW.COMMAND_DATA_ERROR)
        own = se_key(dev)
        session = binding.session_key(own, app_pub)
        if not binding.proof_matches(session, dev.binding_code, app_pub, binding.public_bytes(own), proof):
            return ok(bytes([IDENTITY_WRONG_CODE]))
        dev.store.put(slot, app_pub)
        return ok(bytes([IDENTITY_OK]))

    return run


def display_bind_code(dev: "Device", cmd: Command) -> Response:
    dev.ui.show_binding_code()
    return ok()


def public_key(dev: "Device", cmd: Command) -> Response:
    path = cmd.data.decode("ascii", "replace")
    if not path_is_valid(path):
        return status(SW.COMMAND_DATA_ERROR)
    pub, chain = keys.public_key(dev.seed, path)
    return ok(pub + chain)


COMMANDS: dict[tuple[int, int], Spec] = {
    (0x00, 0xA4): Spec(select, (0x04, 0x00)),
    (0x80, 0xCB): Spec(se_data, (0x80, 0x00), lc=5),
    (0x80, 0xCA): Spec(lambda d, c: ok(d.identity.serial_number.encode()), (0x00, 0x44), lc=0),
    (0x00, 0xD6): Spec(lambda d, c: ok(bytes([d.identity.battery])), (0xFE, 0xED), lc=0),
    (0xFF, 0xDC): Spec(lambda d, c: ok(bytes([d.ui.lifecycle()])), (0xFE, 0xED), lc=0),
    (0xFF, 0xDB): Spec(lambda d, c: ok(d.ble_name.encode()), (0x46, 0x54), lc=0),
    (0xFF, 0xDA): Spec(set_ble_name, (0x46, 0x54)),
    (0x80, 0x71): Spec(bind_check(Key.BOUND_APP), (0x00, 0x00), lc=65, applet=Aid.IMK, needs_wallet=True),
    (0x80, 0x74): Spec(bind_check(Key.BOUND_PC), (0x00, 0x00), lc=65, applet=Aid.IMK, needs_wallet=True),
    (0x80, 0x72): Spec(display_bind_code, (0x00, 0x00), lc=0, applet=Aid.IMK, needs_wallet=True),
    (0x80, 0x73): Spec(identity_verify(Key.BOUND_APP), (0x80, 0x00), lc=113, applet=Aid.IMK, needs_wallet=True),
    (0x80, 0x75): Spec(identity_verify(Key.BOUND_PC), (0x80, 0x00), lc=113, applet=Aid.IMK, needs_wallet=True),
    (0x80, 0x43): Spec(public_key, (0x00, 0x00), applet=Aid.BTC, needs_wallet=True),
    (0x80, 0x53): Spec(public_key, (0x00, 0x00), applet=Aid.ETH, needs_wallet=True),
}
