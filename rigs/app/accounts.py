"""Keys and addresses of a software wallet's ETH and BTC accounts (BIP39 + BIP32 via mnemonic and bip-utils),
and which backup each kind of account offers under "Advanced".

Errors raised here are `ValueError`s whose messages never contain the key or the words they refused; typed secrets
may come as `Secret`s and are unwrapped only in helpers that do not raise, so a traceback's frames show no secret.
"""
from __future__ import annotations

from bip_utils import Bip32Secp256k1, Secp256k1PrivateKey, WifDecoder, WifEncoder, WifPubKeyModes
from mnemonic import Mnemonic

from keybench.protocol.imkey import Aid
from keybench.rigs.app.companion import address_of
from keybench.rigs.app.secret import Secret, plain

ETH, BTC = "ETH", "BTC"
CHAINS = (ETH, BTC)

ETH_PATH = "m/44'/60'/0'/0/0"  # the ETH account (imToken, and the device's default ETH path)
BTC_ACCOUNT_PATH = "m/84'/0'/0'"  # the BTC account; child addresses are <account>/<change>/<index>, P2WPKH
MNEMONIC_ENTROPY_BYTES = 16  # 12 words
WIF_NET_VER = b"\x80"  # Bitcoin main net

# "Advanced" options of an account, by (custody, chain). A hardware (imKey) account never exports a key; a BTC
# account exports only the private key of a child address, under sub-address management.
EXPORT_PRIVATE_KEY = "Export Private Key"
EXPORT_KEYSTORE = "Export Keystore"
ADVANCED_OPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("software", ETH): (EXPORT_PRIVATE_KEY, EXPORT_KEYSTORE),
    ("software", BTC): (),
    ("hardware", ETH): (),
    ("hardware", BTC): (),
}
SUB_ADDRESS_OPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("software", BTC): (EXPORT_PRIVATE_KEY,),
}

_ENGLISH = Mnemonic("english")


def advanced_options(custody: str, chain: str) -> tuple[str, ...]:
    """The "Advanced" menu of an account: custody "software" (app-held) or "hardware" (imKey)."""
    return ADVANCED_OPTIONS.get((custody, chain), ())


def sub_address_options(custody: str, chain: str) -> tuple[str, ...]:
    return SUB_ADDRESS_OPTIONS.get((custody, chain), ())


# Mnemonics
def new_mnemonic(entropy: bytes) -> str:
    return _ENGLISH.to_mnemonic(entropy)


def normalize_mnemonic(text: str | Secret) -> str:
    """As the app reads typed words: lower case, single spaces. Raises ValueError if not a valid mnemonic."""
    phrase = _valid_phrase(text)
    if phrase is None:
        raise ValueError("not a valid BIP39 English mnemonic (a wrong word count, an unknown word or a bad checksum)")
    return phrase


def _valid_phrase(text: str | Secret) -> str | None:
    phrase = " ".join(plain(text).lower().split())
    try:
        return phrase if _ENGLISH.check(phrase) else None
    except Exception:  # noqa: BLE001 - the library's message could quote the words
        return None


def _node(phrase: str, path: str) -> Bip32Secp256k1:
    return Bip32Secp256k1.FromSeed(Mnemonic.to_seed(phrase, "")).DerivePath(path)


def btc_child_path(index: int, change: bool = False) -> str:
    if not 0 <= index < 2**31:
        raise ValueError(f"child index {index} is out of range")
    return f"{BTC_ACCOUNT_PATH}/{int(change)}/{index}"


def private_key_at(phrase: str, path: str) -> bytes:
    return _node(phrase, path).PrivateKey().Raw().ToBytes()


def account_xpub(phrase: str, path: str = BTC_ACCOUNT_PATH) -> str:
    """The account's extended public key: child addresses are derived from it without the password."""
    return _node(phrase, path).PublicKey().ToExtended()


def child_address_from_xpub(xpub: str, index: int, change: bool = False) -> str:
    pub = Bip32Secp256k1.FromExtendedKey(xpub).ChildKey(int(change)).ChildKey(index).PublicKey()
    return address_of(Aid.BTC, btc_child_path(index, change), pub.RawUncompressed().ToBytes())


# Private keys
def public_key(priv: bytes) -> bytes:
    """65-byte uncompressed public key; ValueError for a key that is not a secp256k1 scalar in [1, n-1]."""
    try:
        key = Secp256k1PrivateKey.FromBytes(priv)
    except Exception:  # noqa: BLE001
        raise ValueError("not a valid secp256k1 private key") from None
    return key.PublicKey().RawUncompressed().ToBytes()


def address(chain: str, priv: bytes) -> str:
    """ETH: the checksummed 0x address. BTC: the P2WPKH (bc1) address of the compressed key."""
    if chain == ETH:
        return address_of(Aid.ETH, ETH_PATH, public_key(priv))
    if chain == BTC:
        return address_of(Aid.BTC, btc_child_path(0), public_key(priv))
    raise ValueError(f"unsupported chain {chain!r}")


def parse_eth_private_key(text: str | Secret) -> bytes:
    """64 hex digits, with or without 0x."""
    priv = _hex_key(text)
    if priv is None:
        raise ValueError("an ETH private key is 64 hex digits")
    public_key(priv)
    return priv


def _hex_key(text: str | Secret) -> bytes | None:
    digits = plain(text).strip().removeprefix("0x").removeprefix("0X")
    try:
        return bytes.fromhex(digits) if len(digits) == 64 else None
    except ValueError:
        return None


def to_wif(priv: bytes) -> str:
    return WifEncoder.Encode(priv, net_ver=WIF_NET_VER, pub_key_mode=WifPubKeyModes.COMPRESSED)


def parse_wif(text: str | Secret) -> bytes:
    """A main-net WIF for a compressed public key (what a P2WPKH address needs)."""
    priv = _compressed_wif(text)
    if isinstance(priv, str):
        raise ValueError(priv)
    public_key(priv)
    return priv


def _compressed_wif(text: str | Secret) -> bytes | str:
    """The key, or why not (a message without the key)."""
    try:
        priv, mode = WifDecoder.Decode(plain(text).strip(), net_ver=WIF_NET_VER)
    except Exception:  # noqa: BLE001 - the library's message could quote the key
        return "not a main-net WIF private key"
    if mode != WifPubKeyModes.COMPRESSED:
        return "a BTC private key for a segwit address must be a compressed-key WIF"
    return priv


def parse_private_key(chain: str, text: str | Secret) -> bytes:
    if chain == ETH:
        return parse_eth_private_key(text)
    if chain == BTC:
        return parse_wif(text)
    raise ValueError(f"unsupported chain {chain!r}")


def format_private_key(chain: str, priv: bytes) -> str:
    """How the app shows an exported private key: ETH 64 lowercase hex digits (no 0x), BTC a WIF."""
    return priv.hex() if chain == ETH else to_wif(priv)


def generate_private_key(random_bytes) -> bytes:
    """A fresh private key, as another wallet would make one."""
    while True:
        priv = random_bytes(32)
        try:
            public_key(priv)
            return priv
        except ValueError:
            continue
