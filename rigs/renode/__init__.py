"""Renode support for the renode target: finding Renode, its robot server, one session, the board description."""
