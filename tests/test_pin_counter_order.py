"""The wrong-PIN count reaches storage before the PIN is compared (white-box: the black-box scenarios cannot
tell a device that compares first from one that counts first)."""
import keybench.simulator.device as device_module
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.link import Link
from keybench.rigs.targets.sim import LoopbackTransport
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint
from keybench.simulator.storage import Key


def test_count_is_written_before_compare(monkeypatch):
    dev = Device(seed=3)
    user = DeviceUser(DebugLinkHands(Link(LoopbackTransport(StreamEndpoint(dev)))))
    user.set_pin("123456")
    dev.boot()
    events = []
    real_put, real_hash = dev.store.put, device_module.pin_hash

    def put(key, value):
        events.append(("write", Key(key).name, value))
        real_put(key, value)

    def spy_hash(pin):
        events.append(("compare",))
        return real_hash(pin)

    monkeypatch.setattr(dev.store, "put", put)
    monkeypatch.setattr(device_module, "pin_hash", spy_hash)
    user.unlock("000000")
    assert events[0] == ("write", "PIN_FAILS", b"\x01") and events[1] == ("compare",)
