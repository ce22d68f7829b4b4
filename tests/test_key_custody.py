"""The key-custody check of the backup feature (steps/key_custody.py) finds a secret in whatever form a device
could leak it, and nothing in what an honest device sends: the scenario using it can fail."""
import pytest
from bip_utils import Bip32Secp256k1
from mnemonic import Mnemonic

from keybench.protocol import imkey
from keybench.protocol.framing import Channel
from keybench.rigs.link import Exchange
from keybench.steps.key_custody import HostTraffic, leaks

WORDS = "legal winner thank year wave sausage worth useful legal winner thank yellow".split()
ETH_PATH = "m/44'/60'/0'/0/0"
ROOT_NODE = Bip32Secp256k1.FromSeed(Mnemonic.to_seed(" ".join(WORDS), ""))


def public_key_answer(path: str) -> bytes:
    node = ROOT_NODE.DerivePath(path)
    return node.PublicKey().RawUncompressed().ToBytes() + node.ChainCode().ToBytes() + b"\x90\x00"


def honest_answers() -> list[bytes]:
    return [public_key_answer(ETH_PATH), public_key_answer("m/84'/0'/0'/0/0"), bytes(range(256)) + b"\x90\x00"]


def test_what_an_honest_device_sends_holds_no_secret():
    assert leaks(honest_answers(), WORDS, [ETH_PATH, "m/84'/0'/0'/0/0"]) == []


@pytest.mark.parametrize("planted, name", [
    (ROOT_NODE.DerivePath(ETH_PATH).PrivateKey().Raw().ToBytes(), f"the private key at {ETH_PATH}"),
    (ROOT_NODE.DerivePath("m/44'/60'/0'").PrivateKey().Raw().ToHex().upper().encode(),
     "the private key at m/44'/60'/0'"),
    (ROOT_NODE.DerivePath("m/44'").PrivateKey().ToExtended().encode(), "the private key at m/44'"),
    (ROOT_NODE.PrivateKey().Raw().ToHex().encode(), "the master private key"),
    (Mnemonic.to_seed(" ".join(WORDS), ""), "the BIP39 seed"),
    (bytes(Mnemonic("english").to_entropy(" ".join(WORDS))), "the mnemonic's entropy"),
    (b"\x01WAVE\nsausage\x00", "the mnemonic's words"),
], ids=["raw key", "account key hex", "xprv", "master hex", "seed", "entropy", "two words"])
def test_a_secret_in_any_answer_is_found_and_named_without_its_value(planted, name):
    answers = honest_answers()
    answers.insert(1, b"\x00" * 5 + planted + b"\x90\x00")
    found = leaks(answers, WORDS, [ETH_PATH])
    assert found == [name]


def test_the_recorder_keeps_host_exchanges_and_the_paths_they_name():
    traffic = HostTraffic()

    class FakeLink:
        def __init__(self):
            self.listeners = []

    link = FakeLink()
    traffic.start(link)
    request = imkey.get_pubkey(imkey.Aid.ETH, ETH_PATH).encode()
    for listener in link.listeners:
        listener(Exchange(Channel.HOST, request, public_key_answer(ETH_PATH)))
        listener(Exchange(Channel.DEBUG, b"\x04", b"\x90\x00Home"))
        listener(Exchange(Channel.HOST, b"\xff\xdc\xfe\xed\x00", None, "timeout"))
    assert traffic.answers() == [public_key_answer(ETH_PATH)]
    assert traffic.paths_asked() == {ETH_PATH}
    traffic.stop()
    assert link.listeners == []
