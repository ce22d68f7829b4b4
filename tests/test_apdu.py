import pytest

from keybench.protocol.apdu import ApduLengthError, Command, Response
from keybench.protocol.imkey import firmware_version_text, path_is_valid, se_pubkey_from_certificate
from keybench.protocol.status import SW, describe


@pytest.mark.parametrize("raw, expected", [
    ("80CA0044", Command(0x80, 0xCA, 0x00, 0x44)),
    ("80CA004400", Command(0x80, 0xCA, 0x00, 0x44, le=0)),
    ("80CB800005DFFF028101", Command(0x80, 0xCB, 0x80, 0x00, bytes.fromhex("DFFF028101"))),
    ("80CB800005DFFF02800300", Command(0x80, 0xCB, 0x80, 0x00, bytes.fromhex("DFFF028003"), le=0)),
])
def test_the_four_cases_parse_and_re_encode(raw, expected):
    assert Command.decode(bytes.fromhex(raw)) == expected
    assert expected.encode() == bytes.fromhex(raw)


@pytest.mark.parametrize("raw", ["", "80", "80CA00", "80CA004403AABB", "80CA004401AABBCC", "80CA004400AA"])
def test_malformed_lengths_are_refused(raw):
    with pytest.raises(ApduLengthError):
        Command.decode(bytes.fromhex(raw))


def test_response_split_and_names():
    r = Response.decode(bytes.fromhex("15089000"))
    assert r.data == b"\x15\x08" and r.ok
    assert describe(0xF081) == "pin_not_verified (F081)"
    assert "2 attempts left" in describe(0x63C2)
    assert describe(0x1234).startswith("unknown")
    with pytest.raises(ValueError):
        Response.decode(b"\x90")
    assert SW.WALLET_NOT_CREATED == 0xF000


@pytest.mark.parametrize("path, ok", [
    ("m/44'/60'/0'/0/0", True), ("m/44'/0'", True), ("m/44'", False), ("m", False), ("44'/0'", False),
    ("m/44'//0", False), ("m/44'/0'/a", False), ("m/2147483648/0", False), ("m/2147483647/0", True),
    ("m/" + "/".join(["1"] * 11), False), ("m/" + "/".join(["1"] * 10), True), ("m/1/" + "1" * 99, False),
])
def test_path_check(path, ok):
    assert path_is_valid(path) is ok


def test_certificate_parsing_and_version_text():
    pub = b"\x04" + bytes(range(64))
    assert se_pubkey_from_certificate(b"\x7f\x21\x50" + bytes.fromhex("7F4946B041") + pub + b"\xf0") == pub
    with pytest.raises(ValueError, match="no SE public key"):
        se_pubkey_from_certificate(b"\x7f\x21\x00")
    assert firmware_version_text(b"\x15\x08") == "1.5.08"
