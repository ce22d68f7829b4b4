"""A pure-Python imKey-like device behind the keybench protocol (docs/protocol.md, docs/device.md)."""
