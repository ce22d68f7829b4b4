"""What one scenario remembers between its steps."""
from __future__ import annotations

from dataclasses import dataclass, field

from protocol.imkey import BindStatus


@dataclass
class ScenarioContext:
    # Secrets stay out of repr: pytest-bdd prints fixtures in failure reports.
    words: list[str] = field(default_factory=list, repr=False)  # the mnemonic the user wrote down
    pin: str = field(default="", repr=False)
    screen: list[str] = field(default_factory=list)  # the screen after the last device action
    binding_codes: list[str] = field(default_factory=list)  # every code read off the device, in order
    bind_status: BindStatus | None = None
    addresses: dict[str, str] = field(default_factory=dict)  # "ETH m/44'/60'/0'/0/0" -> address
    error: Exception | None = None  # what the last app action raised, for Then steps to name
    answered_wrong_pins: int = 0  # wrong PINs whose answer reached the host
    power_cut_fired: bool = False
