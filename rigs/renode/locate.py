"""Finding a Renode executable: $RENODE, the rig file's `renode` setting, then PATH."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from keybench.rigs.config import RigUnavailable

INSTALL_HINT = (
    "install Renode (it is on neither Debian nor PyPI): the portable Linux package "
    "(renode-<version>.linux-portable.tar.gz) or the .deb/.rpm from https://github.com/renode/renode/releases, "
    "or run inside the antmicro/renode Docker image; then put `renode` on PATH or set RENODE=/path/to/renode"
)


def _executable(candidate: str) -> str | None:
    """A command name on PATH, an executable file, or a portable-package folder holding `renode`."""
    path = Path(candidate).expanduser()
    if path.is_dir():
        path = path / "renode"
    if path.is_file() and os.access(path, os.X_OK):
        return str(path.resolve())
    return shutil.which(candidate)


def find_renode(configured: str = "") -> str:
    """The Renode to run, or RigUnavailable with the install hint. $RENODE wins so CI can override a rig file."""
    for source, candidate in (("$RENODE", os.environ.get("RENODE", "")), ("the rig file's `renode`", configured)):
        if candidate:
            found = _executable(candidate)
            if found is None:
                raise RigUnavailable(f"Renode not found: {source} is {candidate!r}, which is not an executable; "
                                     f"{INSTALL_HINT}")
            return found
    found = shutil.which("renode")
    if found is None:
        raise RigUnavailable(f"Renode not found ($RENODE unset, no `renode` on PATH); {INSTALL_HINT}")
    return found
