"""The keybench wire format, shared by the simulator and the host (see docs/protocol.md)."""
