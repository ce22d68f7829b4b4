"""The BLE transport end to end through bleak's public API, the bumble backend and the simulated peripheral on
bumble's stack: what is probed here is a real Bluetooth host stack's behaviour (ATT, SMP), not a model of it."""
from __future__ import annotations

import time

import bleak
import pytest

from keybench.protocol import imkey
from keybench.protocol.ble_fragments import fragment
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder
from keybench.rigs.ble.connection import BleConnectError
from keybench.rigs.ble.payload import NoDebugLink
from keybench.rigs.transport import TransportError


def test_the_harness_drives_the_unmodified_bleak_client(kit):
    k = kit().open()
    assert type(k.connection.client) is bleak.BleakClient
    assert k.connection.client.backend_id == "BumbleBleakClient"
    assert k.connection.client.is_connected
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"
    assert k.link.debug_ok(Op.SCREEN).startswith(b"Set PIN")


@pytest.mark.parametrize("mtu", [23, 185, 247])
def test_mtu_negotiation_sets_the_fragment_size(kit, mtu):
    k = kit(mtu=mtu).open()
    assert k.connection.client.mtu_size == mtu
    assert k.connection.fragment_size == mtu - 3
    assert k.peripheral.air_log.mtus == [mtu]


def test_a_central_that_asks_for_23_gets_23_from_a_247_peripheral(kit):
    k = kit(mtu=247, central_mtu=23).open()
    assert k.connection.client.mtu_size == 23 and k.connection.fragment_size == 20
    assert k.peripheral.air_log.mtus == [23]
    assert len(k.link.apdu_ok(imkey.SE_ID)) == 16
    assert max(k.peripheral.air_log.writes) == 20 and max(k.peripheral.air_log.notifications) <= 20


def frame_of_length(n: int, seq: int = 9) -> bytes:
    """A host-link frame of exactly n bytes (n >= 14): an APDU the device answers with a status word."""
    apdu = bytes([0x80, 0xEE, 0x00, 0x00]) + bytes(n - 10 - 4)
    frame = Frame(Channel.HOST, seq, apdu).encode()
    assert len(frame) == n
    return frame


def boundary_lengths(size: int) -> list[int]:
    first, cont = size - 3, size - 1
    return sorted({n for n in (14, first - 1, first, first + 1, first + cont, first + cont + 1, 1034) if n >= 14})


@pytest.mark.parametrize("mtu", [23, 185, 247])
def test_requests_at_fragment_boundaries_reach_the_device_whole(kit, mtu):
    k = kit(mtu=mtu).open()
    for n in boundary_lengths(mtu - 3):
        k.peripheral.air_log.writes.clear()
        k.connection.send(frame_of_length(n))
        answer = FrameDecoder().feed(k.connection.receive(2.0))
        assert answer and answer[0].channel == Channel.HOST and answer[0].seq == 9, (n, answer)
        writes = k.peripheral.air_log.writes
        assert writes == [len(p) for p in fragment(frame_of_length(n), mtu - 3)], n
        assert max(writes) <= mtu - 3


@pytest.mark.parametrize("mtu", [23, 185, 247])
def test_answers_at_fragment_boundaries_come_back_whole_and_notifications_fit_the_mtu(kit, mtu):
    k = kit(mtu=mtu).open()
    size = mtu - 3
    for n in boundary_lengths(size) + [1, size - 3, 3000]:
        message = bytes((i * 31 + n) & 0xFF for i in range(n))
        k.peripheral.air_log.notifications.clear()
        k.on_loop(k.peripheral.send_message, message)
        assert k.connection.receive(2.0) == message, n
        sizes = k.peripheral.air_log.notifications
        assert sizes == [len(p) for p in fragment(message, size)]
        assert max(sizes) <= size


def test_bumble_caps_a_notification_at_att_mtu_minus_3(kit):
    k = kit(mtu=23)
    seen: list[int] = []
    deliver = k.connection._on_notify

    def record(char, data):  # the value sizes the host's stack hands bleak, before reassembly
        seen.append(len(data))
        deliver(char, data)

    k.connection._on_notify = record
    k.open()
    k.on_loop(k.peripheral.send_message, bytes(30), 30)  # a 30-byte fragment, then a 4-byte one
    assert k.connection.receive(0.5) is None  # the message never completes: its first fragment lost 10 bytes
    assert k.peripheral.air_log.notifications == [30, 4]
    assert seen == [20, 4]


def test_twenty_byte_writes_on_a_large_mtu(kit):
    k = kit(mtu=247, fragment_size=20).open()
    assert k.connection.fragment_size == 20
    k.link.apdu_ok(imkey.SE_ID)
    words = k.link.debug_ok(Op.SCREEN)
    assert words and max(k.peripheral.air_log.writes) <= 20
    assert max(k.peripheral.air_log.notifications) > 20  # the device still answers in ATT_MTU - 3 pieces


@pytest.mark.parametrize("mode,properties", [
    ("with-response", ("write", "write-without-response")),
    ("without-response", ("write", "write-without-response")),
    ("auto", ("write-without-response",)),
    ("auto", ("write",)),
])
def test_write_with_and_without_response(kit, mode, properties):
    k = kit(mtu=23, write_mode=mode, write_properties=properties).open()
    assert k.link.apdu_ok(imkey.SE_ID)
    assert len(k.peripheral.air_log.writes) >= 1


def test_a_write_longer_than_the_mtu(kit):
    k = kit(mtu=23).open()
    client = k.connection.client
    char = client.services.get_characteristic(k.peripheral.write_uuid)
    with pytest.raises(bleak.exc.BleakError, match="exceeds ATT_MTU-3 = 20"):  # a command cannot be split
        k.connection.loop.run(client.write_gatt_char(char, bytes(21), response=False), 2.0)
    assert k.peripheral.air_log.writes == []
    # A request can: bumble writes it long (prepare, execute), and the device gets the value whole.
    k.connection.loop.run(client.write_gatt_char(char, fragment(frame_of_length(18), 40)[0], response=True), 2.0)
    assert k.peripheral.air_log.writes == [21]
    assert FrameDecoder().feed(k.connection.receive(2.0))[0].seq == 9


def test_a_dropped_connection_mid_exchange_is_a_clear_error_not_a_hang(kit):
    k = kit(link_timeout=20.0).open()
    k.link.apdu_ok(imkey.LIFECYCLE)
    k.peripheral.faults.drop_on_message = 1
    start = time.monotonic()
    with pytest.raises(TransportError, match="BLE connection to BLE device named 'imKeyPro'.*dropped while "
                                             "waiting for an answer"):
        k.link.apdu(imkey.SE_ID)
    assert time.monotonic() - start < 2.0, "the drop must end the wait at once, not at the 20 s timeout"
    assert not k.connection.connected
    # The next exchange reconnects (the device is still there) and works.
    assert len(k.link.apdu_ok(imkey.SE_ID)) == 16
    assert k.connection.connected


def test_a_disconnect_in_the_middle_of_a_fragmented_request_is_a_clear_transport_error(kit):
    k = kit(mtu=23, link_timeout=20.0).open()
    k.peripheral.faults.drop_mid_request = True
    start = time.monotonic()
    with pytest.raises(TransportError, match="BLE connection to BLE device named 'imKeyPro'.*dropped"):
        k.connection.send(frame_of_length(60))  # 3 fragments: the device hangs up after the first
        k.connection.receive(20.0)
    assert time.monotonic() - start < 2.0, "the drop must end the exchange at once, not at the 20 s timeout"
    assert not k.peripheral.faults.drop_mid_request, "the fault fired"
    assert k.peripheral.air_log.writes[-1] == 20 and k.peripheral.air_log.notifications == []
    k.connection.drain()
    assert k.link.debug_ok(Op.SCREEN).startswith(b"Set PIN")  # the next exchange reconnects


def test_a_disconnect_in_the_middle_of_a_fragmented_answer_is_a_clear_transport_error(kit):
    k = kit(mtu=23, link_timeout=20.0).open()
    k.peripheral.faults.drop_mid_answer = True
    start = time.monotonic()
    with pytest.raises(TransportError, match="BLE connection to BLE device named 'imKeyPro'.*dropped while "
                                             "waiting for an answer"):
        k.link.debug(Op.SCREEN)  # a 3-fragment answer: the device hangs up after the first
    assert time.monotonic() - start < 2.0, "the drop must end the wait at once, not at the 20 s timeout"
    assert k.peripheral.air_log.notifications == [20]
    assert k.link.debug_ok(Op.SCREEN).startswith(b"Set PIN")


def test_without_auto_reconnect_a_dropped_link_stays_an_error(kit):
    k = kit(auto_reconnect=False).open()
    k.peripheral.drop_connection()
    time.sleep(0.2)
    with pytest.raises(TransportError, match="dropped and auto_reconnect is off"):
        k.link.apdu(imkey.LIFECYCLE)


def test_a_device_that_vanished_fails_within_the_scan_timeout(kit):
    k = kit(scan_timeout=0.5, link_timeout=20.0).open()
    k.on_loop(k.radio.remove, k.peripheral.controller)  # out of range: the link drops, nothing advertises
    time.sleep(0.2)
    start = time.monotonic()
    with pytest.raises(BleConnectError, match="no BLE device named 'imKeyPro' advertised within 0.5 s"):
        k.link.apdu(imkey.LIFECYCLE)
    assert time.monotonic() - start < 5.0


def mangle_second_fragment_away(pieces):
    return pieces[:1] + pieces[2:]


@pytest.mark.parametrize("mangle,error", [
    (mangle_second_fragment_away, "sequence gap: got continuation 0x01"),
    (lambda pieces: pieces[:-1] + [pieces[-1] + b"\x00\x00"], "overrun: "),
    (lambda pieces: [b"\x84" + pieces[0][1:]] + pieces[1:], "wrong first byte 0x84"),
    (lambda pieces: pieces[:1] + [b"\xA0" + pieces[1][1:]] + pieces[2:], "wrong first byte 0xA0 in a continuation"),
], ids=["gap", "overrun", "first-byte", "continuation-byte"])
def test_a_corrupt_answer_fragment_is_a_clear_error_and_the_next_exchange_works(kit, mangle, error):
    k = kit(mtu=23).open()
    k.peripheral.faults.mangle = mangle
    start = time.monotonic()
    with pytest.raises(TransportError, match=f"corrupt answer from BLE device named 'imKeyPro'.*{error}"):
        k.link.debug(Op.SCREEN)  # the screen answer is 3 fragments at 20 bytes
    assert time.monotonic() - start < 2.0
    k.peripheral.faults.mangle = None
    k.connection.drain()  # the tail of the broken answer may still be queued as a further error
    assert k.link.debug_ok(Op.SCREEN).startswith(b"Set PIN")


def test_a_corrupt_request_is_dropped_by_the_device(kit):
    k = kit(mtu=23).open()
    client = k.connection.client
    char = client.services.get_characteristic(k.peripheral.write_uuid)
    pieces = fragment(frame_of_length(60), 20)
    for piece in (pieces[0], pieces[2]):
        k.connection.loop.run(client.write_gatt_char(char, piece, response=True), 2.0)
    assert any("sequence gap" in e for e in k.peripheral.air_log.rejected_fragments)
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"


def test_a_frame_cut_short_inside_one_message_gets_the_devices_truncated_error(kit):
    k = kit().open()
    k.connection.send(Frame(Channel.HOST, 5, bytes(imkey.LIFECYCLE.encode())).encode()[:8])
    items = FrameDecoder().feed(k.connection.receive(2.0))
    assert items[0].channel == Channel.ERROR and items[0].payload[0] == ErrorCode.TRUNCATED


def test_an_unencrypted_central_is_refused_by_a_bonding_peripheral(kit):
    k = kit(pair=False, write_mode="with-response").open()
    with pytest.raises(TransportError, match="INSUFFICIENT_ENCRYPTION"):
        k.link.apdu(imkey.LIFECYCLE)


def test_an_unencrypted_write_command_is_dropped_by_a_bonding_peripheral(kit):
    k = kit(pair=False, write_mode="without-response").open()
    k.connection.send(Frame(Channel.HOST, 1, imkey.LIFECYCLE.encode()).encode())
    assert k.connection.receive(0.5) is None
    assert k.peripheral.air_log.writes == []  # bumble refused it before the characteristic saw it


def test_pairing_bonds_both_sides_and_a_reconnect_encrypts_with_the_bond(kit):
    k = kit(pair=True).open()
    central = k.central.address
    assert k.on_loop(k.peripheral.bonded_peers) == [central]
    assert [name for name, _ in k.on_loop(k.central.keystore.get_all)] == [k.peripheral.address]
    k.connection.reconnect()  # the stored bond: encryption, no new pairing
    assert k.on_loop(k.peripheral.bonded_peers) == [central]
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"


def test_a_lost_bond_is_a_clear_error_and_pairing_again_works(kit):
    k = kit(pair=True).open()
    k.on_loop(k.peripheral.forget_bonds)  # the device lost its bond table; the host still has its keys
    k.peripheral.drop_connection()
    time.sleep(0.2)
    with pytest.raises(BleConnectError, match="no longer knows this host's bond.*PIN_OR_KEY_MISSING.*unpair"):
        k.link.apdu(imkey.LIFECYCLE)
    client = bleak.BleakClient(k.peripheral.address, **k.connection.client_kwargs)
    k.on_loop(client.unpair)  # what a person does in the phone's Bluetooth settings: forget the device
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"  # reconnects and pairs afresh
    assert k.on_loop(k.peripheral.bonded_peers) == [k.central.address]


def test_scan_by_address(kit):
    k = kit(name="", address="c0:ff:ee:00:00:01").open()
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"


def test_no_such_device_name(kit):
    k = kit(name="imKeyLost", scan_timeout=0.3)
    start = time.monotonic()
    with pytest.raises(BleConnectError, match="no BLE device named 'imKeyLost' advertised"):
        k.open()
    assert time.monotonic() - start < 3.0


def test_wrong_service_uuid_names_what_the_device_offers(kit):
    k = kit(service_uuid="48eb9001-f352-5fa0-9b06-8fcaa22602cf")
    with pytest.raises(BleConnectError, match="has no GATT service 48eb9001.*it offers: .*46540001"):
        k.open()


def test_characteristics_are_found_by_their_properties_when_not_named(kit):
    k = kit(write_uuid="", notify_uuid="").open()
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"


def test_apdu_payload_carries_raw_apdus_and_has_no_debug_link(kit):
    k = kit(payload="apdu", mtu=23).open()
    assert k.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"
    assert len(k.link.apdu_ok(imkey.SE_ID)) == 16
    # Raw on the air: the device saw the 5-byte APDU as one 8-byte fragment (83 00 05 + APDU), no frame around it
    k.peripheral.air_log.writes.clear()
    k.link.apdu_ok(imkey.LIFECYCLE)
    assert k.peripheral.air_log.writes == [3 + len(imkey.LIFECYCLE.encode())]
    with pytest.raises(NoDebugLink, match="no debug link for SCREEN"):
        k.link.debug(Op.SCREEN)


def test_close_is_idempotent_and_later_sends_fail_clearly(kit):
    k = kit().open()
    k.connection.close()
    k.connection.close()
    with pytest.raises(TransportError, match="is closed"):
        k.connection.send(b"x")
