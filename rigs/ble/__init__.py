"""Bluetooth LE transport through bleak (docs/ble.md).

loop: the asyncio thread synchronous callers submit to; connection: scan, connect, pair, subscribe, send and
reassemble through bleak's public API; payload: what a message carries (keybench frames or raw APDUs) as a
Transport; bumble_backend: bleak backends on bumble's host stack (the simulator, or a USB HCI dongle); sim_operator:
a pytest plugin that lets the
simulated device's robot answer the bench operator's questions; roundtrip: APDU round-trip timing for
benchmarks. imKey's 83|LEN / SEQ fragmentation is wire format, shared with the simulator:
protocol/ble_fragments.py.
"""
