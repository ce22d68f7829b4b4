"""Shared vocabulary of the steps: how QA name phones, statuses and lifecycle states."""
from __future__ import annotations

from protocol.imkey import BindStatus, Lifecycle
from protocol.status import SW


def app_name(text: str) -> str:
    return text


app_name.pattern = r"the app|the new phone's app"  # type: ignore[attr-defined]

PHONE_OF = {"the app": "phone 1", "the new phone's app": "phone 2"}


def app_on(phones, app: str):
    """The companion app a step names ("the app", "the new phone's app")."""
    return phones[PHONE_OF[app]]

PHRASES = {"App": app_name}

BIND_STATUS = {
    "unbound": BindStatus.UNBOUND,
    "bound to this app": BindStatus.BOUND_THIS,
    "bound to another app": BindStatus.BOUND_OTHER,
}

LIFECYCLE = {
    "PIN unset": Lifecycle.PIN_UNSET,
    "wallet unready": Lifecycle.WALLET_UNREADY,
    "creating": Lifecycle.CREATING,
    "recovering": Lifecycle.RECOVERING,
    "ready": Lifecycle.READY,
}


def status_named(name: str) -> int:
    """'pin_not_verified' or 'PIN not verified' -> the status word."""
    key = name.strip().upper().replace(" ", "_")
    try:
        return SW[key]
    except KeyError:
        raise AssertionError(f"no status word named {name!r}; known: {[s.name.lower() for s in SW]}") from None
