"""Bench-board support for the board target: flashing tools, USB re-enumeration, power by command or operator."""
