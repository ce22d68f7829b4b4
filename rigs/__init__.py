"""The host side of keybench: the companion app, transports, targets and rig files."""
