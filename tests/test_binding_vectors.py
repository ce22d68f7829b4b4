"""The imKey SDK's vectors (docs/imkey-facts.md, "Binding"), and the binding proof both ways."""
from keybench.protocol import binding
from keybench.rigs.app.keyfile import KeyFile

SEID, SN = "19060000000200860001010000000014", "imKey01191200001"


def test_key_file_key_and_iv_vector():
    key, iv = binding.keyfile_key_iv(SEID, SN)
    assert key.hex().upper() == "A49CDEDE0370D1543033E41A413EBC4E"
    assert iv.hex().upper() == "92AF372F64C10BAA942478560F91F346"


def test_binding_iv_vector():
    assert binding.bind_iv("PVU3FY64").hex() == "4cf3169c9feb3567bfa2710716a8c778"


def test_session_key_is_symmetric_and_proof_checks_the_code():
    app = binding.key_from_hash_chain(b"test", b"app")
    se = binding.key_from_hash_chain(b"test", b"se")
    app_pub, se_pub = binding.public_bytes(app), binding.public_bytes(se)
    session = binding.session_key(app, se_pub)
    assert session == binding.session_key(se, app_pub) and len(session) == 16
    proof = binding.encrypt_proof(session, "PVU3FY64", app_pub, se_pub)
    assert len(proof) == 48
    assert binding.proof_matches(session, "PVU3FY64", app_pub, se_pub, proof)
    assert not binding.proof_matches(session, "PVU3FY65", app_pub, se_pub, proof)
    assert not binding.proof_matches(session, "PVU3FY64", app_pub, se_pub, proof[:40])


def test_key_file_seals_with_the_device_identity():
    kf = KeyFile(bytes(31) + b"\x07", se_pub=b"\x04" + bytes(64), session_key=bytes(range(16)))
    blob = kf.seal(SEID, SN)
    assert KeyFile.open(blob, SEID, SN) == kf
    try:
        opened = KeyFile.open(blob, SEID, "imKey01191200002")
    except ValueError:
        return  # bad padding: the wrong device's key cannot open it
    assert opened != kf
