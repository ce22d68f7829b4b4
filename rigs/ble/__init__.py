"""Bluetooth LE transport through bleak (docs/ble.md).

fragments: imKey's 83|LEN / SEQ fragmentation; loop: the asyncio thread synchronous callers submit to;
connection: scan, connect, pair, subscribe, send and reassemble through bleak's public API; payload: what a
message carries (keybench frames or raw APDUs) as a Transport; sim_backend: bleak backends for the simulated
peripheral; roundtrip: APDU round-trip timing for benchmarks.
"""
