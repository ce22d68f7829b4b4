"""The reference firmware image a target runs or flashes: found in firmware/build/, built when missing."""
from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

from keybench.rigs.config import RIGS_DIR, BadRigFile, RigError, RigUnavailable

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


def make_command(image: Path, make_goal: str) -> list[str]:
    """The make line that builds `image`: an image under build/<board>-nodebug/ is the DEBUGLINK=0 build."""
    variant = ["DEBUGLINK=0"] if image.parent.name.endswith("-nodebug") else []
    return ["make", "-C", str(FIRMWARE), make_goal, *variant]


def ensure_image(image: Path, make_goal: str, build: str = "if-missing", timeout: float = 600.0) -> Path:
    """`image`, built first with `make -C firmware <make_goal>` when `build` asks for it."""
    command = make_command(image, make_goal)
    shown = " ".join(command[3:])
    if needs_build(image, build):
        build_tools(image)
        (FIRMWARE / "build").mkdir(exist_ok=True)
        with open(FIRMWARE / "build" / ".make.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one make at a time: xdist workers share the tree
            try:
                r = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise RigError(f"building the firmware (make -C firmware {shown}) took over "
                               f"{timeout:.0f} s") from None
        if r.returncode != 0:
            raise RigError(f"building the firmware failed (make -C firmware {shown}):\n"
                           f"{(r.stdout + r.stderr)[-3000:]}")
    if not image.exists():
        raise RigError(f"no firmware image at {image}; build it with `make -C firmware {shown}`"
                       + (" (settings.build is 'never')" if build == "never" else ""))
    return image
