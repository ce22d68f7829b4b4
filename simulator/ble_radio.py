"""The simulated air: bumble virtual controllers on one LocalLink, and HCI over TCP for hosts in other processes.

A `VirtualRadio` is one radio neighbourhood. The simulated peripheral runs its bumble host on a controller of
its own on the link; a central (the harness's bleak backend, rigs/ble/bumble_backend.py) gets another:
- in the same process, `radio.controller()` hands it a controller object to drive directly;
- from another process, `serve_hci` listens on TCP and gives every client its own controller, speaking HCI
  (H4 packets) over the socket: to the client it is a Bluetooth controller, as a USB dongle would be
  (bumble's `tcp-client:HOST:PORT` transport). When a client goes away its controller leaves the air and its
  links end with a supervision timeout, as when a phone walks out of range.

Everything here runs on one asyncio event loop (bumble's controllers schedule on the running loop).
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Callable

from bumble import hci
from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport.common import StreamPacketSource

from keybench.simulator.ble_gatt import ImKeyPeripheral

log = logging.getLogger("keybench.simulator.ble")


class VirtualRadio:
    def __init__(self) -> None:
        self.link = LocalLink()
        self._numbers = itertools.count(1)

    def next_address(self) -> str:
        """A random static address (top two bits set) not used on this radio yet."""
        return f"C0:FF:EE:00:00:{next(self._numbers):02X}"

    def controller(self, name: str = "central", host_source=None, host_sink=None) -> Controller:
        """A controller on this radio. Without source and sink, a bumble host drives it in this process."""
        return Controller(name, host_source=host_source, host_sink=host_sink, link=self.link)

    async def add(self, peripheral: ImKeyPeripheral) -> None:
        """The peripheral on a controller of its own: advertising, connectable."""
        await peripheral.attach(self.controller(f"peripheral {peripheral.address}"))

    def remove(self, controller: Controller) -> None:
        """The controller leaves the air: its links end as links end when a radio goes out of range."""
        for connection in list(controller.le_connections.values()):
            controller.on_hci_disconnect_command(hci.HCI_Disconnect_Command(
                connection_handle=connection.handle, reason=hci.HCI_CONNECTION_TIMEOUT_ERROR))
        if controller in self.link.controllers:
            self.link.remove_controller(controller)
        # Its advertising timers keep running: they now reach an empty air, not this radio's centrals.
        controller.link = LocalLink()

    async def serve_hci(self, host: str, port: int, on_listening: Callable[[int], None] = lambda port: None,
                        stop: asyncio.Event | None = None) -> None:
        """One virtual controller per TCP client, HCI over the socket; until `stop` is set (or forever)."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _HciClient(self), host, port)
        on_listening(server.sockets[0].getsockname()[1])
        async with server:
            if stop is None:
                await server.serve_forever()
            else:
                await stop.wait()


class _HciClient(StreamPacketSource):
    """A TCP client as a host: bytes in are HCI packets for its controller, the controller's packets go out."""

    def __init__(self, radio: VirtualRadio):
        super().__init__()
        self.radio = radio
        self.controller: Controller | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.controller = self.radio.controller(f"hci client {peer}", host_source=self, host_sink=self)
        log.info("HCI host %s attached", peer)

    def on_packet(self, packet: bytes) -> None:  # from the controller, to the host
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(bytes(packet))

    def connection_lost(self, exc) -> None:
        self.transport = None
        if self.controller is not None:
            self.radio.remove(self.controller)
            log.info("HCI host %s detached", self.controller.name)
            self.controller = None
