"""A device in a shared lab: a labgrid place, reserved and locked through the lab's coordinator (docs/lab.md).

Opening the rig reserves a place (by name, or by a filter such as `board=stm32f4 tag=imkey` that the
coordinator's scheduler answers with a free place: each xdist worker gets its own), acquires it, and uses its
resources: the NetworkSerialPort through pyserial's socket:// or rfc2217:// handler, the NetworkPowerPort
through labgrid's power driver. Closing releases the place, also on Ctrl-C, SIGTERM and bench errors
(rigs/lab/locks.py). An exporter that goes away mid-run makes the next read or write a bench error.
Rig template: docs/rig-templates/lab.toml.
"""
from __future__ import annotations

import re
import time

from keybench.rigs.config import BadRigFile, RigConfig, RigError, RigUnavailable, settings_dataclass
from keybench.rigs.registry import register
from keybench.rigs.serial_transport import SerialTransport
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport, TransportError

# labgrid's own rule for tag keys and values (labgrid.remote.common TAG_KEY / TAG_VAL).
FILTER_PAIR = re.compile(r"([a-z][a-z0-9_]+)=([a-z0-9_]?[a-z0-9_.-]*)")
INSTALL = "labgrid is not installed: pip install 'keybench[lab]' (labgrid 26)"


@settings_dataclass
class LabgridSettings:
    coordinator: str  # HOST:PORT of labgrid-coordinator (its default port is 20408)
    place: str = ""  # a place by name ...
    filter: str = ""  # ... or a reservation filter over place tags: "board=stm32f4 tag=imkey"
    serial: str = ""  # the NetworkSerialPort's name, when the place has several
    power: str = ""  # the power resource's name (NetworkPowerPort, NetworkUSBPowerPort), when the place has several
    acquire_timeout: float = 60.0  # waiting for a free place (someone else's run holds it)
    connect_timeout: float = 10.0  # reaching the coordinator
    open_timeout: float = 10.0  # opening the serial port
    reappear_timeout: float = 30.0  # after a power cycle: a board's USB serial port coming back to its exporter
    power_off_seconds: float = 0.5  # how long the switch stays off in a power cycle


def parse_filter(text: str, where: str) -> dict[str, str]:
    tags = {}
    for pair in text.split():
        match = FILTER_PAIR.fullmatch(pair)
        if not match:
            raise BadRigFile(f"{where}: settings.filter: {pair!r} should be key=value in lower case "
                             f"(labgrid's tag syntax), as in \"board=stm32f4 tag=imkey\"")
        tags[match[1]] = match[2]
    return tags


class LabPort(Transport):
    """The place's serial port; a read or write after its exporter went away is a TransportError (a bench error,
    exit 3), even though a raw TCP port may still answer: without its exporter the place is not ours to use."""

    def __init__(self, target: "LabgridTarget", url: str, baudrate: int, open_timeout: float):
        self.target, self.url, self.baudrate, self.open_timeout = target, url, baudrate, open_timeout
        self._port = SerialTransport(url, baudrate, open_timeout)

    def _check(self) -> None:
        problem = self.target.health()
        if problem:
            raise TransportError(problem)

    def write(self, data: bytes) -> None:
        self._check()
        self._port.write(data)

    def read(self, timeout: float) -> bytes:
        self._check()
        return self._port.read(timeout)

    def reopen(self, url: str) -> None:
        """After a power cycle: a board's USB serial port vanished with its power, and its exporter may serve it
        on another TCP port when it comes back."""
        self._port.close()
        self.url = url
        self._port = SerialTransport(url, self.baudrate, self.open_timeout)

    def close(self) -> None:
        self._port.close()


@register("labgrid")
class LabgridTarget(Target):
    Settings = LabgridSettings

    def __init__(self, rig: RigConfig):
        super().__init__(rig)
        s, where = self.settings, str(rig.path or f"rig {rig.name!r}")
        if bool(s.place) == bool(s.filter):
            raise BadRigFile(f"{where}: settings: give either place (a place name) or filter (tags such as "
                             f"\"board=stm32f4 tag=imkey\"), not {'both' if s.place else 'neither'}")
        self.tags = parse_filter(s.filter, where) if s.filter else {}
        self.client = None  # rigs.lab.client.LabClient while started
        self.place_name = ""
        self.token = ""  # the reservation, when reserved by filter
        self.acquired = False  # we hold the place's lock (only then is it ours to release)
        self.serial_resource = None
        self.power = None  # rigs.lab.place.PowerSwitch
        self.port: LabPort | None = None

    # --- before the run --------------------------------------------------------------------------------------
    def check_tools(self) -> list[str]:
        try:
            import labgrid
        except ImportError:
            raise RigUnavailable(INSTALL) from None
        return [f"labgrid {labgrid.__version__}"]

    def _connect(self):
        self.check_tools()
        from keybench.rigs.lab.client import LabClient
        return LabClient(self.settings.coordinator, self.settings.connect_timeout)

    def _candidates(self, client) -> list:
        return [client.place(self.settings.place)] if self.settings.place else client.matching_places(self.tags)

    def one_device_per_worker(self) -> bool:
        """A filter reserves a different place for each worker; a named place is one device."""
        return bool(self.settings.filter)

    def capabilities(self) -> frozenset[str]:
        """The rig file's, less power_cycle when a place that may be handed to us has no power resource.
        An unreachable coordinator changes nothing here: opening the rig then fails as a bench error."""
        from keybench.rigs.lab.client import LabError
        from keybench.rigs.lab.place import POWER_DRIVERS
        try:
            client = self._connect()
        except LabError:
            return self.rig.capabilities
        try:
            places = self._candidates(client)
            unpowered = [p.name for p in places
                         if not any(r.cls in POWER_DRIVERS for r in client.resources_of(p))]
        except LabError:
            return self.rig.capabilities
        finally:
            client.close()
        return self.rig.capabilities - {"power_cycle"} if unpowered else self.rig.capabilities

    def survey(self) -> list[str]:
        """The doctor's view of the lab: coordinator, candidate places, who holds them, their resources."""
        client = self._connect()
        try:
            lines = [f"coordinator {self.settings.coordinator}: reachable, we are {client.identity}"]
            places = self._candidates(client)
            if not places:
                lines.append(f"no place has the tags {self.settings.filter!r}")
            for place in places:
                holder = client.holder_text(place)
                tags = " ".join(f"{k}={v}" for k, v in sorted(place.tags.items())) or "no tags"
                lines.append(f"place {place.name} ({tags}): {holder}")
                for r in client.resources_of(place):
                    state = "available" if r.avail else "NOT AVAILABLE"
                    held = f", acquired by place {r.acquired}" if r.acquired else ""
                    params = " ".join(f"{k}={v}" for k, v in sorted(r.params.items()))
                    lines.append(f"  resource {r.path} {params}: {state}{held}")
            lines.append(f"capabilities from the places' resources: {', '.join(sorted(self.capabilities()))}")
            return lines
        finally:
            client.close()

    # --- the run ---------------------------------------------------------------------------------------------
    def start(self) -> Transport:
        from keybench.rigs.lab import locks
        from keybench.rigs.lab.place import POWER_DRIVERS, SERIAL_CLASS, PowerSwitch, pick, serial_url
        s = self.settings
        self.client = self._connect()
        try:
            if s.place:
                self.place_name = s.place
            else:
                self.token, self.place_name = self.client.reserve(self.tags, s.acquire_timeout)
            locks.hold(id(self), self.stop)  # from here on, every way out releases
            self.client.acquire(self.place_name, s.acquire_timeout)
            self.acquired = True
            resources = self.client.resources_of(self.client.place(self.place_name))
            self.serial_resource = pick(resources, SERIAL_CLASS, s.serial, self.place_name)
            if self.serial_resource is None:
                raise RigError(f"{self.describe()}: the place has no {SERIAL_CLASS}; it has: "
                               f"{', '.join(r.path for r in resources) or 'no resources'}")
            problem = self.health()
            if problem:
                raise RigError(problem)
            power = pick(resources, POWER_DRIVERS, s.power, self.place_name)
            self.power = PowerSwitch(power, s.power_off_seconds) if power is not None else None
            baudrate = int(self.serial_resource.params.get("speed", 115200))
            self.port = LabPort(self, serial_url(self.serial_resource), baudrate, s.open_timeout)
            self.port.drain()
            return self.port
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        from keybench.rigs.lab import locks
        if self.port is not None:
            self.port.close()
            self.port = None
        if self.power is not None:
            self.power.close()
            self.power = None
        client, self.client = self.client, None
        if client is not None:
            try:
                if self.acquired and client.alive:
                    client.release(self.place_name)
                    self.acquired = False
                if self.token:
                    client.cancel_reservation(self.token)
            finally:
                client.close()
        self.token = ""
        locks.forget(id(self))

    def power_cycle(self, link) -> None:
        if self.power is None:  # no switch in the place: the rig lacks power_cycle (capabilities()); power_on
            super().power_cycle(link)  # after a simulated power cut still goes through the debug link
            return
        self.power.cycle()
        self.port.reopen(self._serial_url_after_power_cycle())

    def _serial_url_after_power_cycle(self) -> str:
        """The serial resource as its exporter publishes it once it is back (its TCP port may be new)."""
        from keybench.rigs.lab.place import SERIAL_CLASS, pick, serial_url
        deadline = time.monotonic() + self.settings.reappear_timeout
        while True:
            self.client.refresh()
            resources = self.client.resources_of(self.client.place(self.place_name))
            found = pick(resources, SERIAL_CLASS, self.serial_resource.name, self.place_name)
            if found is not None and found.avail:
                self.serial_resource = found
                return serial_url(found)
            if time.monotonic() >= deadline:
                raise RigError(f"{self.describe()}: its serial port did not come back within "
                               f"{self.settings.reappear_timeout:g} s after a power cycle")
            time.sleep(0.1)  # the exporter's update arrives as an event; refresh() has waited for it

    def power_on(self, link) -> None:
        """After the firmware's simulated power cut it is off in RAM: a real power cycle boots it too."""
        if self.power is None:
            super().power_on(link)
        else:
            self.power_cycle(link)

    def health(self) -> str | None:
        client = self.client
        if client is None or self.serial_resource is None:
            return None
        if not client.alive:
            return f"{self.describe()}: lost the labgrid coordinator at {self.settings.coordinator}"
        if not client.resource_alive(self.serial_resource):
            return (f"{self.describe()}: its serial port {self.serial_resource.path} is no longer available "
                    f"(exporter {self.serial_resource.exporter} stopped or lost the device)")
        return None

    def describe(self) -> str:
        which = f"place {self.place_name!r}" if self.place_name else (
            f"place {self.settings.place!r}" if self.settings.place else f"a place with {self.settings.filter!r}")
        return f"labgrid {which} at {self.settings.coordinator}"
