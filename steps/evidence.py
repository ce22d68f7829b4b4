"""One evidence folder per scenario: the APDU transcript, the debug-link log (secrets redacted), the rig."""
from __future__ import annotations

import re
from pathlib import Path

from protocol.debuglink import Op
from protocol.framing import Channel
from rigs.link import Exchange

REDACTED = "<redacted>"
SECRET_SCREENS = ("Write down your words",)


class EvidenceRecorder:
    def __init__(self, show_secrets: bool = False):
        self.show_secrets = show_secrets
        self.transcript: list[str] = []  # host link only: no secrets ever cross it
        self.debug_log: list[str] = []

    def __call__(self, ex: Exchange) -> None:
        if ex.channel == Channel.HOST:
            answer = ex.answer.hex().upper() if ex.answer is not None else f"!! {ex.error}"
            self.transcript.append(f"> {ex.request.hex().upper()}\n< {answer}")
        else:
            self.debug_log.append(self._describe_debug(ex))

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
        text = data.decode("utf-8", "replace")
        if op == "SCREEN" and text.startswith(SECRET_SCREENS) and not self.show_secrets:
            text = f"{text.splitlines()[0]} / {REDACTED}"
        return f"{op} {shown} -> {sw} {text!r}" if data else f"{op} {shown} -> {sw}"

    def write(self, folder: Path, header: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "transcript.txt").write_text("\n".join(self.transcript) + "\n")
        (folder / "debug.log").write_text("\n".join(self.debug_log) + "\n")
        (folder / "rig.txt").write_text(header + "\n")


def folder_name(nodeid: str) -> str:
    """A file-system-safe, stable name for a test id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150]
