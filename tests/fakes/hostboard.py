"""A board on a bench, without a board: the host build of the firmware behind socket://, and rig files for it."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "firmware" / "tools"))

FULL_CAPS = ["debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"]


@pytest.fixture
def host_device():
    """firmware/build/host/keybench-device on a free port (built with make if missing)."""
    try:
        from hostdev import HostDevice
        device = HostDevice().start()
    except (ImportError, FileNotFoundError, RuntimeError) as exc:
        pytest.skip(f"the host build of the firmware is not available: {exc}")
    yield device
    device.stop()


def board_rig(folder: Path, settings: dict, physical: bool = False, allowed: tuple = (), caps=None) -> Path:
    """A rig file for the board target; JSON literals are valid TOML for these values."""
    lines = ['name = "test-board"', 'target = "board"', f"capabilities = {json.dumps(caps or FULL_CAPS)}",
             "seed = 1", f"physical = {'true' if physical else 'false'}"]
    if allowed:
        lines.append(f"allowed_serials = {json.dumps(list(allowed))}")
    lines.append("[settings]")
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path = folder / "test-board.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
