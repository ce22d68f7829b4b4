"""Name-to-class registry of targets. A target module in rigs/targets/ registers itself; nothing else changes."""
from __future__ import annotations

import importlib
import pkgutil

from keybench.rigs.config import RigError

_TARGETS: dict[str, type] = {}


def register(name: str):
    def wrap(cls: type) -> type:
        if name in _TARGETS and _TARGETS[name] is not cls:
            raise RigError(f"two targets registered as {name!r}: {_TARGETS[name].__name__} and {cls.__name__}")
        cls.kind = name
        _TARGETS[name] = cls
        return cls

    return wrap


def _discover() -> None:
    import keybench.rigs.targets

    for mod in pkgutil.iter_modules(keybench.rigs.targets.__path__):
        importlib.import_module(f"keybench.rigs.targets.{mod.name}")


def target_class(name: str) -> type:
    if name not in _TARGETS:
        _discover()
    try:
        return _TARGETS[name]
    except KeyError:
        raise RigError(f"no target named {name!r}; known: {sorted(_TARGETS)}") from None


def known_targets() -> list[str]:
    _discover()
    return sorted(_TARGETS)
