"""BIP39 against the official English vectors (tests/vectors/bip39-vectors.json; source: tests/vectors/README.md)."""
import json
import os
import random

import pytest
from mnemonic import Mnemonic

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VECTORS = os.path.join(REPO, "tests", "vectors", "bip39-vectors.json")


def load_rows():
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)["english"]


ROWS = load_rows()


def test_all_24_rows_present():
    assert len(ROWS) == 24


@pytest.mark.parametrize("ent,words,seed,xprv", ROWS, ids=[f"row{i}" for i in range(len(ROWS))])
def test_bip39_vector(kb, decode_xprv, ent, words, seed, xprv):
    assert kb.mnemonic(bytes.fromhex(ent)) == (0, words)
    assert kb.bip39_check(words) == 0
    got_seed = kb.bip39_seed(words, "TREZOR")
    assert got_seed.hex() == seed
    _, _, chain, key = decode_xprv(xprv)
    rc, got_key, got_chain = kb.derive(got_seed, "m")
    assert rc == 0 and got_key == key and got_chain == chain


def test_word_list_and_index(kb):
    for i, w in [(0, "abandon"), (3, "about"), (2047, "zoo")]:
        assert kb.lib.kb_bip39_word_index(w.encode(), len(w)) == i
    for bad in ["", "abando", "abandonn", "Abandon", "zzz", "a", "zoos", "toolongword"]:
        assert kb.lib.kb_bip39_word_index(bad.encode(), len(bad)) == -1, bad
    # only the first len bytes count
    assert kb.lib.kb_bip39_word_index(b"zoo and more", 3) == 2047


def test_every_word_found_at_its_index(kb):
    wl = Mnemonic("english").wordlist
    for i, w in enumerate(wl):
        assert kb.lib.kb_bip39_word_index(w.encode(), len(w)) == i, w


def test_from_entropy_matches_python_mnemonic(kb):
    m = Mnemonic("english")
    rnd = random.Random(8)
    for n in (16, 20, 24, 28, 32):
        for _ in range(10):
            ent = rnd.randbytes(n)
            rc, words = kb.mnemonic(ent)
            assert rc == 0 and words == m.to_mnemonic(ent)
            assert kb.bip39_check(words) == 0


def test_from_entropy_rejects_bad_lengths_and_small_buffers(kb):
    for n in (0, 4, 15, 17, 31, 33, 64):
        assert kb.mnemonic(bytes(n))[0] == -1, n
    words = kb.mnemonic(bytes(16))[1]
    assert kb.mnemonic(bytes(16), cap=len(words) + 1) == (0, words)  # exact fit with NUL
    assert kb.mnemonic(bytes(16), cap=len(words))[0] == -1
    assert kb.mnemonic(bytes(32), cap=216)[0] == 0  # KB_BIP39_MAX_MNEMONIC


BAD_COUNT, UNKNOWN, BAD_CHECKSUM = -1, -2, -3


def test_check_error_codes(kb):
    words = ROWS[1][1].split()  # 12 words
    good = " ".join(words)
    assert kb.bip39_check(good) == 0
    assert kb.bip39_check("") == BAD_COUNT
    assert kb.bip39_check(" ".join(words[:11])) == BAD_COUNT
    assert kb.bip39_check(" ".join(words + ["abandon"])) == BAD_COUNT
    assert kb.bip39_check(" ".join(words * 3)) == BAD_COUNT  # 36 words
    assert kb.bip39_check(" ".join(words[:11] + ["bitcoin"])) == UNKNOWN
    assert kb.bip39_check(" ".join(["Legal"] + words[1:])) == UNKNOWN  # uppercase
    assert kb.bip39_check(good.replace(" ", "  ", 1)) == BAD_COUNT  # 13 tokens, one empty
    assert kb.bip39_check(" ".join(words[:10] + ["", words[11]])) == UNKNOWN  # empty word
    # swap the last word: the checksum no longer matches (python-mnemonic agrees)
    for row in (ROWS[1], ROWS[-1]):  # 12 words (4 checksum bits), 24 words (8 bits)
        w = row[1].split()
        swapped = " ".join(w[:-1] + ["zoo" if w[-1] != "zoo" else "abandon"])
        assert not Mnemonic("english").check(swapped)
        assert kb.bip39_check(swapped) == BAD_CHECKSUM
    # every other count is a count error, every valid count passes with the right checksum
    for n in range(1, 30):
        if n in (12, 15, 18, 21, 24):
            continue
        assert kb.bip39_check(" ".join(["abandon"] * n)) == BAD_COUNT, n


def test_seed_without_passphrase_matches_python(kb):
    words = ROWS[5][1]
    assert kb.bip39_seed(words, "") == Mnemonic.to_seed(words, "")
    assert kb.bip39_seed(words, "a longer passphrase " * 10) == \
        Mnemonic.to_seed(words, "a longer passphrase " * 10)
