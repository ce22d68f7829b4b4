"""What keybench uses of an acquired labgrid place: its serial port, its power switch, through labgrid itself.

The resources arrive as the exporter published them; labgrid's own resource classes are built from them, so
labgrid's proxy rules (an exporter in --isolated mode, LG_PROXY) and power drivers apply exactly as for
labgrid-client.
"""
from __future__ import annotations

from collections.abc import Iterable

import labgrid
from labgrid.driver.powerdriver import NetworkPowerDriver, USBPowerDriver
from labgrid.factory import target_factory
from labgrid.util.proxy import proxymanager

from keybench.rigs.lab.client import LabError, LabResource

SERIAL_CLASS = "NetworkSerialPort"
# The power resources keybench switches, each with labgrid's driver for it: a network power switch (any of
# labgrid's models: simplerest, rest, gude, netio ...), or a port of a switchable USB hub on the exporter's host
# (uhubctl, run there over SSH by labgrid).
POWER_DRIVERS = {"NetworkPowerPort": NetworkPowerDriver, "NetworkUSBPowerPort": USBPowerDriver}
URL_SCHEMES = {"raw": "socket", "rfc2217": "rfc2217"}  # NetworkSerialPort.protocol -> pyserial URL handler


def pick(resources: list[LabResource], classes: str | Iterable[str], wanted: str, place: str) -> LabResource | None:
    """The place's resource of one of `classes` (the one named `wanted` when the place has several), or None."""
    classes = {classes} if isinstance(classes, str) else set(classes)
    what = " or ".join(sorted(classes))
    found = [r for r in resources if r.cls in classes]
    if wanted:
        named = [r for r in found if r.name == wanted]
        if not named:
            raise LabError(f"place {place!r} has no {what} named {wanted!r}; it has: "
                           f"{', '.join(r.path for r in found) or 'none'}")
        return named[0]
    if len(found) > 1:
        raise LabError(f"place {place!r} has {len(found)} {what} resources ({', '.join(r.name for r in found)}); "
                       f"name one in the rig file's settings")
    return found[0] if found else None


def _labgrid_resource(target: labgrid.Target, resource: LabResource):
    made = target_factory.make_resource(target, resource.cls, resource.name, dict(resource.params))
    made.avail = resource.avail
    made.extra = dict(resource.extra)
    return made


def serial_url(resource: LabResource) -> str:
    """The pyserial URL of a NetworkSerialPort: socket:// for raw TCP, rfc2217:// for RFC 2217."""
    protocol = resource.params.get("protocol", "rfc2217")
    if protocol not in URL_SCHEMES:
        raise LabError(f"{resource.path}: protocol {protocol!r} is neither 'raw' nor 'rfc2217'")
    port = _labgrid_resource(labgrid.Target(f"keybench-{resource.name}"), resource)
    host, tcp_port = proxymanager.get_host_and_port(port)  # a proxy (ssh forward) when the exporter asks for one
    return f"{URL_SCHEMES[protocol]}://{host}:{tcp_port}"


class PowerSwitch:
    """A place's power resource, switched by labgrid's own driver for it."""

    def __init__(self, resource: LabResource, off_seconds: float):
        self.resource = resource
        self._target = labgrid.Target(f"keybench-power-{resource.name}")
        _labgrid_resource(self._target, resource)
        self._driver = POWER_DRIVERS[resource.cls](self._target, name=None, delay=float(off_seconds))
        self._target.activate(self._driver)

    def cycle(self) -> None:
        try:
            self._driver.cycle()
        except Exception as exc:  # noqa: BLE001 - requests' HTTP errors, a backend's own; all mean no power cycle
            model = self.resource.params.get("model")
            raise LabError(f"power cycle through {self.resource.path}{f' (model {model!r})' if model else ''} "
                           f"failed: {exc}") from None

    def close(self) -> None:
        self._target.deactivate_all_drivers()
