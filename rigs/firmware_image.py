"""The reference firmware image a target runs or flashes: found in firmware/build/, built when missing."""
from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

from rigs.config import RIGS_DIR, BadRigFile, RigError, RigUnavailable

REPO = RIGS_DIR.parent
FIRMWARE = REPO / "firmware"
BUILD_CHOICES = ("if-missing", "always", "never")


def repo_path(path: str) -> Path:
    """Rig settings name files relative to the repository (rig files may live anywhere)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else REPO / p


def needs_build(image: Path, build: str = "if-missing") -> bool:
    if build not in BUILD_CHOICES:
        raise BadRigFile(f"settings.build must be one of {BUILD_CHOICES}, not {build!r}")
    return build == "always" or (build == "if-missing" and not image.exists())


def build_tools(image: Path) -> list[str]:
    """The tools a build needs, found; RigUnavailable names the packages when one is missing."""
    found = []
    for tool in ("make", "arm-none-eabi-gcc"):
        path = shutil.which(tool)
        if path is None:
            raise RigUnavailable(f"{tool} not found, needed to build {image}: "
                                 f"apt-get install make gcc-arm-none-eabi libnewlib-arm-none-eabi")
        found.append(f"{tool}: {path}")
    return found


def ensure_image(image: Path, make_goal: str, build: str = "if-missing", timeout: float = 600.0) -> Path:
    """`image`, built first with `make -C firmware <make_goal>` when `build` asks for it."""
    if needs_build(image, build):
        build_tools(image)
        (FIRMWARE / "build").mkdir(exist_ok=True)
        with open(FIRMWARE / "build" / ".make.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one make at a time: xdist workers share the tree
            try:
                r = subprocess.run(["make", "-C", str(FIRMWARE), make_goal], capture_output=True, text=True,
                                   timeout=timeout)
            except subprocess.TimeoutExpired:
                raise RigError(f"building the firmware (make -C firmware {make_goal}) took over "
                               f"{timeout:.0f} s") from None
        if r.returncode != 0:
            raise RigError(f"building the firmware failed (make -C firmware {make_goal}):\n"
                           f"{(r.stdout + r.stderr)[-3000:]}")
    if not image.exists():
        raise RigError(f"no firmware image at {image}; build it with `make -C firmware {make_goal}`"
                       + (" (settings.build is 'never')" if build == "never" else ""))
    return image
