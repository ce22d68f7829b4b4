"""The reference firmware's STM32F4 image (the one a DISCOVERY board runs) under Renode, driven headless.

Renode is found by $RENODE, the rig file or PATH; without it the target raises RigUnavailable, which the plugin
turns into a skip with the install hint. One private Renode per target: its own ports and TMPDIR, the
project's own platform description (no network at load time), the UART as a TCP server reached through
pyserial's socket:// URL. Power cycle and power on are a real power cut in the emulator: RAM lost, flash kept.
"""
from __future__ import annotations


from keybench.rigs.config import RigConfig, RigError, settings_dataclass
from keybench.rigs.firmware_image import ensure_image, repo_path
from keybench.rigs.registry import register
from keybench.rigs.renode.locate import find_renode
from keybench.rigs.renode.robot import RobotError
from keybench.rigs.renode.session import RenodeProcess, RenodeSession, free_port
from keybench.rigs.serial_transport import SerialTransport
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport


@settings_dataclass
class RenodeSettings:
    renode: str = ""  # path to renode (or its portable folder); $RENODE wins; else `renode` on PATH
    platform: str = "rigs/renode/stm32f4_discovery.repl"  # relative to the repository, or absolute
    elf: str = "firmware/build/stm32f4/keybench.elf"
    build: str = "if-missing"  # "if-missing", "always" or "never": make -C firmware stm32f4
    start_timeout: float = 60.0  # Renode (Mono/.NET) takes seconds to come up
    command_timeout: float = 60.0  # one robot-server call
    stop_timeout: float = 10.0
    open_timeout: float = 10.0  # connecting to the UART's TCP server
    keep_workdir: bool = False  # keep the private TMPDIR (emulator.log) for a post-mortem


@register("renode")
class RenodeTarget(Target):
    Settings = RenodeSettings

    def __init__(self, rig: RigConfig):
        super().__init__(rig)
        self.process: RenodeProcess | None = None
        self.session: RenodeSession | None = None
        self.transport: SerialTransport | None = None

    def check_tools(self) -> list[str]:
        return [f"renode: {find_renode(self.settings.renode)}"]

    def start(self) -> Transport:
        if self.process is not None:
            raise RigError(f"{self.describe()}: already started")
        renode = find_renode(self.settings.renode)  # first: no Renode is a skip, whatever else is missing
        platform = repo_path(self.settings.platform)
        if not platform.exists():
            raise RigError(f"{self.describe()}: no platform description at {platform}")
        elf = ensure_image(repo_path(self.settings.elf), "stm32f4", self.settings.build)
        s = self.settings
        self.process = RenodeProcess(renode, s.start_timeout, s.stop_timeout, s.command_timeout, s.keep_workdir)
        try:
            self.session = RenodeSession(self.process.start(), platform, elf)
            uart_port = free_port()
            self.session.boot(uart_port)
            self.transport = SerialTransport(f"socket://127.0.0.1:{uart_port}", open_timeout=s.open_timeout)
            return self.transport
        except RigError as exc:
            # A failed keyword says what Renode refused; its log says why. Start failures carry the log already.
            suffix = self.process.log_suffix() if isinstance(exc, RobotError) and self.process else ""
            self.stop()
            raise RigError(f"{self.describe()}: {exc}{suffix}") from None
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if self.process is not None:
            self.process.stop()
            self.process = None
        self.session = None

    def power_cycle(self, link) -> None:
        self._power_cut()

    def power_on(self, link) -> None:
        """After the firmware's own (simulated) power cut it is off in RAM: a real one boots it from flash."""
        self._power_cut()

    def _power_cut(self) -> None:
        if self.session is None or self.process is None or not self.process.alive():
            raise RigError(f"{self.describe()}: Renode is not running")
        self.session.pause()
        self.transport.drain()  # an answer cut off mid-way must not be read after the boot
        self.session.power_cut_and_start()

    def health(self) -> str | None:
        if self.process is not None and not self.process.alive():
            return "Renode exited"
        return None

    def describe(self) -> str:
        return f"renode target of rig {self.rig.name!r}"
