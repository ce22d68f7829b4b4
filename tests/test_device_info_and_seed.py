"""Device information APDUs, the BLE name's persistence, and determinism by seed."""
import pytest

from keybench.protocol import imkey
from keybench.protocol.debuglink import Op
from keybench.protocol.status import SW
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.link import Link
from keybench.rigs.targets.sim import LoopbackTransport
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint


def open_device(seed: int) -> tuple[Device, Link, DeviceUser]:
    dev = Device(seed=seed)
    link = Link(LoopbackTransport(StreamEndpoint(dev)))
    return dev, link, DeviceUser(DebugLinkHands(link))


def test_identity_answers():
    _, link, _ = open_device(1)
    assert link.apdu_ok(imkey.SE_ID).hex().upper() == "19060000000200860001010000000014"
    assert link.apdu_ok(imkey.SERIAL_NUMBER) == b"imKey01191200001"
    assert imkey.firmware_version_text(link.apdu_ok(imkey.FIRMWARE_VERSION)) == "1.5.08"
    assert link.apdu_ok(imkey.BATTERY) == b"\x64"
    assert link.apdu_ok(imkey.GET_BLE_NAME) == b"imKeyPro"


def test_ble_name_is_validated_and_survives_a_power_cycle():
    _, link, _ = open_device(1)
    assert link.apdu(imkey.set_ble_name("bad name")).sw == SW.COMMAND_DATA_ERROR
    assert link.apdu(imkey.set_ble_name("x" * 13)).sw == SW.COMMAND_DATA_ERROR
    link.apdu_ok(imkey.set_ble_name("Bench7"))
    link.debug_ok(Op.POWER_CYCLE)
    assert link.apdu_ok(imkey.GET_BLE_NAME) == b"Bench7"


def create(seed: int) -> tuple[list[str], str]:
    _, link, user = open_device(seed)
    user.set_pin("123456")
    words = user.create_wallet(24)
    link.apdu_ok(imkey.select(imkey.Aid.IMK))
    link.apdu_ok(imkey.DISPLAY_BIND_CODE)
    return words, user.read_binding_code()


def test_the_same_seed_gives_the_same_words_and_code_and_another_seed_does_not():
    assert create(5) == create(5)
    words, code = create(6)
    assert words != create(5)[0] and code != create(5)[1]
    assert imkey.BIND_CODE_RE.fullmatch(code)


@pytest.mark.parametrize("count", [12, 15, 18, 21, 24])
def test_every_word_count_creates_a_valid_mnemonic(count):
    from mnemonic import Mnemonic

    _, _, user = open_device(count)
    user.set_pin("12345678")
    words = user.create_wallet(count)
    assert len(words) == count and Mnemonic("english").check(" ".join(words))


def test_an_unexpected_words_screen_never_puts_the_words_in_an_error():
    from keybench.rigs.device_user import DeviceRefused

    _, _, user = open_device(2)
    user.set_pin("123456")
    user.start_wallet("Create wallet", 12)
    words = user.read_words()
    with pytest.raises(DeviceRefused) as refused:
        user.unlock("123456")  # wrong screen on purpose
    assert "Write down your words" in str(refused.value)
    assert not any(f"{i} {word}" in str(refused.value) for i, word in enumerate(words, 1))
