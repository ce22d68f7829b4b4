"""One evidence folder per scenario: the APDU transcript, the debug-link log (secrets redacted), the rig, and the
screen's pictures (steps/screenshots.py writes those).

Folders are unique per scenario (a readable name plus a hash of the full test id), and a run starts from an
empty evidence folder, so evidence never mixes runs or scenarios.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel
from keybench.rigs.hands import SECRET_TITLES
from keybench.rigs.link import Exchange

REDACTED = "<redacted>"
MARKER = ".keybench-evidence"  # only a folder holding this (or an empty one) is ever emptied


class EvidenceRecorder:
    def __init__(self, show_secrets: bool = False):
        self.show_secrets = show_secrets
        self.transcript: list[str] = []  # host link only: no secrets ever cross it
        self.debug_log: list[str] = []
        self._repeats = 0  # how many times the last debug line came again (waiting on the screen)
        self.steps = 0

    def __call__(self, ex: Exchange) -> None:
        if ex.channel == Channel.HOST:
            answer = ex.answer.hex().upper() if ex.answer is not None else f"!! {ex.error}"
            self.transcript.append(f"> {ex.request.hex().upper()}\n< {answer}")
        else:
            self._log(self._describe_debug(ex))

    def mark_step(self, text: str) -> None:
        """Where a step starts, in both logs, numbered from 1 in the scenario."""
        self.steps += 1
        line = f"--- step {self.steps}: {text}"
        self._log(line)
        self.transcript.append(line)

    def note(self, line: str) -> None:
        """keybench's own line in the debug log (a picture written, a golden screen compared)."""
        self._log(f"### {line}")

    def clear(self) -> None:
        self.transcript.clear()
        self.debug_log.clear()
        self._repeats = 0
        self.steps = 0

    def _log(self, line: str) -> None:
        """Identical lines in a row (a screen polled while waiting) are written once, with a count."""
        if self.debug_log and self._strip_count(self.debug_log[-1]) == line:
            self._repeats += 1
            self.debug_log[-1] = f"{line}  (x{self._repeats + 1})"
            return
        self._repeats = 0
        self.debug_log.append(line)

    @staticmethod
    def _strip_count(line: str) -> str:
        return re.sub(r"  \(x\d+\)$", "", line)

    def _describe_debug(self, ex: Exchange) -> str:
        try:
            op = Op(ex.request[0]).name
        except (ValueError, IndexError):
            op = ex.request.hex()
        arg = ex.request[1:]
        if op == "TYPE" and not self.show_secrets:
            shown = f"{REDACTED} ({len(arg)} chars)"
        elif op in ("TYPE", "CHOOSE"):
            shown = arg.decode("ascii", "replace")
        else:
            shown = arg.hex()
        if ex.answer is None:
            return f"{op} {shown} -> !! {ex.error}"
        sw, data = ex.answer[:2].hex().upper(), ex.answer[2:]
        if op == "FRAMEBUFFER":  # pixels, maybe of the words: they go to a picture (masked), never to the log
            return f"{op} {shown} -> {sw} ({len(data)} bytes of pixels)"
        text = data.decode("utf-8", "replace")
        if op == "SCREEN" and text.startswith(SECRET_TITLES) and not self.show_secrets:
            text = f"{text.splitlines()[0]} / {REDACTED}"
        return f"{op} {shown} -> {sw} {text!r}" if data else f"{op} {shown} -> {sw}"

    def write(self, folder: Path, header: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "transcript.txt").write_text("\n".join(self.transcript) + "\n")
        (folder / "debug.log").write_text("\n".join(self.debug_log) + "\n")
        (folder / "rig.txt").write_text(header + "\n")


def folder_name(nodeid: str) -> str:
    """A file-system-safe name for a test id, unique per id: readable words, then a hash of the whole id."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:100]
    return f"{readable}-{hashlib.sha1(nodeid.encode()).hexdigest()[:10]}"


class EvidenceFolderInUse(Exception):
    """--evidence names a folder keybench did not make: it is never emptied."""


def start_run(root: Path) -> None:
    """Empty the evidence folder for a new run; refuse a non-empty folder keybench did not make."""
    if root.exists():
        if any(root.iterdir()) and not (root / MARKER).exists():
            raise EvidenceFolderInUse(f"--evidence {root}: the folder holds files keybench did not write; "
                                      f"give an empty or new folder")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("keybench evidence: emptied at the start of every run\n")
