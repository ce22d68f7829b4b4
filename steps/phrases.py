"""Shared vocabulary of the steps: how QA name phones, statuses and lifecycle states."""
from __future__ import annotations

from keybench.protocol.imkey import Aid, BindStatus, Lifecycle
from keybench.protocol.status import SW


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


# The coins the app reads addresses of (the device's other applets hold no keys).
COINS = {"ETH": Aid.ETH, "BTC": Aid.BTC}
MAX_PIN_ATTEMPTS = 5  # docs/device.md: the fifth wrong PIN in a row wipes the device
PIN_RULE = "6 to 8 digits (0-9)"


def one_of(kind: str, name: str, allowed) -> None:
    """A value a step names must be one it knows: the failure names the value and every allowed one."""
    if name not in allowed:
        raise AssertionError(f"unknown {kind} {name!r}; allowed: {', '.join(repr(a) for a in allowed)}")


def coin_named(name: str) -> Aid:
    one_of("coin", name, COINS)
    return COINS[name]


def lifecycle_named(name: str) -> Lifecycle:
    one_of("lifecycle state", name, LIFECYCLE)
    return LIFECYCLE[name]


def bind_status_named(name: str) -> BindStatus:
    one_of("bind status", name, BIND_STATUS)
    return BIND_STATUS[name]


def check_pin_format(pin: str) -> None:
    """A step that expects the device to take a PIN needs one it can take; the PIN itself is never printed."""
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 8):
        kinds = "letters or other characters" if not (pin.isascii() and pin.isdigit()) else "only digits"
        raise AssertionError(f"the PIN in this step has {len(pin)} characters with {kinds}; a PIN is {PIN_RULE} "
                             f"(a step that tries a malformed PIN on purpose: 'the user tries to set the PIN ...')")


def attempts_left_line(left: int) -> str:
    """The device's line for the attempts left (docs/device.md: '1 attempt left', '<n> attempts left')."""
    return f"{left} attempt left" if left == 1 else f"{left} attempts left"


def status_named(name: str) -> int:
    """'pin_not_verified' or 'PIN not verified' -> the status word."""
    key = name.strip().upper().replace(" ", "_")
    try:
        return SW[key]
    except KeyError:
        raise AssertionError(f"no status word named {name!r}; known: {[s.name.lower() for s in SW]}") from None
