"""What one scenario remembers between its steps: When steps record what happened, Then steps read it here."""
from __future__ import annotations

from dataclasses import dataclass, field

from keybench.protocol.imkey import BindStatus


@dataclass
class ScenarioContext:
    # Secrets stay out of repr: pytest-bdd prints fixtures in failure reports.
    words: list[str] = field(default_factory=list, repr=False)  # the mnemonic the user wrote down
    pin: str = field(default="", repr=False)
    screen: list[str] = field(default_factory=list)  # the screen after the last device action
    binding_codes: list[str] = field(default_factory=list)  # every code read off the device, in order
    bind_status: dict[str, BindStatus] = field(default_factory=dict)  # app phrase -> what its last connect said
    addresses: dict[str, list[str]] = field(default_factory=dict)  # "ETH m/44'/60'/0'/0/0" -> every read, in order
    public_keys: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # "ETH <path>" -> (key, chain code)
    error: Exception | None = None  # what the last app action raised, for Then steps to name
    answered_wrong_pins: int = 0  # wrong PINs whose answer reached the host

    def last_address(self, coin: str, path: str) -> str:
        """The address the app read last for this coin and path; a clear failure if it never read one."""
        reads = self.addresses.get(f"{coin} {path}")
        assert reads, f"the app has not read the {coin} address at {path} in this scenario"
        return reads[-1]
