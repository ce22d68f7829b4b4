"""A secret the app shows its user (a mnemonic, a private key): readable on purpose, never by accident.

`repr`, `str` and f-strings give a redacted form, so a secret that reaches an assertion message, a log line or a
traceback shows as `<secret: 12 words>` and not its value. Code that means to use the value calls `reveal()`.
"""
from __future__ import annotations

import hmac


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str):
        if not isinstance(value, str):
            raise TypeError("a Secret wraps a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def words(self) -> list[str]:
        return self._value.split()

    def __repr__(self) -> str:
        words = len(self._value.split())
        size = f"{words} words" if words > 1 else f"{len(self._value)} chars"
        return f"<secret: {size}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):
        raise TypeError("a Secret is not pickled")


def plain(value: str | Secret) -> str:
    """What the user typed, whether the caller kept it wrapped or not."""
    return value.reveal() if isinstance(value, Secret) else value
