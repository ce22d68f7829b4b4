"""The reference firmware image a target runs or flashes: found in firmware/build/, built when missing."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from rigs.config import RIGS_DIR, RigError

REPO = RIGS_DIR.parent
FIRMWARE = REPO / "firmware"
BUILD_CHOICES = ("if-missing", "always", "never")


def repo_path(path: str) -> Path:
    """Rig settings name files relative to the repository (rig files may live anywhere)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else REPO / p


def ensure_image(image: Path, make_goal: str, build: str = "if-missing", timeout: float = 600.0) -> Path:
    """`image`, built first with `make -C firmware <make_goal>` when `build` asks for it."""
    if build not in BUILD_CHOICES:
        raise RigError(f"settings.build must be one of {BUILD_CHOICES}, not {build!r}")
    if build == "always" or (build == "if-missing" and not image.exists()):
        for tool in ("make", "arm-none-eabi-gcc"):
            if not shutil.which(tool):
                raise RigError(f"cannot build {image}: {tool} is not installed "
                               f"(apt-get install make gcc-arm-none-eabi libnewlib-arm-none-eabi)")
        try:
            r = subprocess.run(["make", "-C", str(FIRMWARE), make_goal], capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RigError(f"building the firmware (make -C firmware {make_goal}) took over {timeout:.0f} s") from None
        if r.returncode != 0:
            raise RigError(f"building the firmware failed (make -C firmware {make_goal}):\n"
                           f"{(r.stdout + r.stderr)[-3000:]}")
    if not image.exists():
        raise RigError(f"no firmware image at {image}; build it with `make -C firmware {make_goal}`")
    return image
