"""keybench: a hardware-in-the-loop test harness and device simulator for imKey-style hardware wallets."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("keybench")
except PackageNotFoundError:  # a source tree that was never installed (pip install -e . installs it)
    __version__ = "0+unknown"
