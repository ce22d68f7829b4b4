"""The simulated device behind TCP (docs/protocol.md 1.4), so pyserial's socket:// reaches it.

One device serves one host at a time. `serve --devices N` puts N identical devices behind the same address, so
N hosts (the workers of `pytest -n N`) each get a device of their own: a new connection takes the lowest-numbered
free device, and is told "busy" only when every device has a host. With one device (the default) a second host
is always told "busy".

Whatever one client does (floods and leaves, resets the connection, sits idle, stops reading) costs that client
its connection, never the server, and never another client its turn: a client with no free device is told "busy"
at once rather than left waiting to receive stale answers later.
"""
from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from keybench.protocol.framing import INTER_BYTE_TIMEOUT_S, ErrorCode, error_frame
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint

log = logging.getLogger("keybench.simulator")

DEFAULT_IDLE_TIMEOUT_S = 120.0
SEND_TIMEOUT_S = 5.0  # a client that takes no answer bytes for this long has stopped reading: dropped
REFUSED_LINGER_S = 2.0  # a refused client's last bytes are read and dropped this long, so it gets FIN, not RST
POLL_S = 0.2  # how often the loop looks at `stop`
BUSY_MESSAGE = "another host is connected; try again when it leaves"


def busy_frame(devices: int) -> bytes:
    """Error 12 with docs/protocol.md's message, and a hint for a parallel run that wanted more devices."""
    hint = (" (this server has 1 device: serve --devices N gives N hosts, e.g. pytest -n N, one each)"
            if devices == 1 else f" (all {devices} devices of this server have a host)")
    return error_frame(ErrorCode.BUSY, BUSY_MESSAGE + hint).encode()


@dataclass
class _Client:
    conn: socket.socket
    peer: str
    slot: int  # which device of the server
    endpoint: StreamEndpoint
    last_byte_at: float = field(default_factory=time.monotonic)


def serve_tcp(devices: Device | Sequence[Device], host: str, port: int,
              on_listening: Callable[[int], None] = lambda port: None, stop: threading.Event | None = None,
              idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S) -> None:
    """Serve until `stop` is set; each device (its storage, screen and power state) outlives every connection.
    Raises OSError only when the address cannot be used."""
    pool = [devices] if isinstance(devices, Device) else list(devices)
    if not pool:
        raise ValueError("serve_tcp needs at least one device")
    with socket.create_server((host, port)) as server:
        on_listening(server.getsockname()[1])
        _DeviceServer(pool, server, idle_timeout).run(stop or threading.Event())


class _DeviceServer:
    def __init__(self, devices: list[Device], server: socket.socket, idle_timeout: float):
        self.devices, self.server, self.idle_timeout = devices, server, idle_timeout
        self.clients: dict[socket.socket, _Client] = {}
        self.refused: dict[socket.socket, float] = {}  # refused connections, closing: socket -> deadline
        self.busy = busy_frame(len(devices))
        self.selector = selectors.DefaultSelector()
        server.setblocking(False)
        self.selector.register(server, selectors.EVENT_READ)

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                # The clients' bytes (or goodbyes) before new connections: one that left frees its device first.
                events = sorted(self.selector.select(self._wait()), key=lambda event: event[0].fileobj is self.server)
                for key, _ in events:
                    if key.fileobj is self.server:
                        self._accept()
                    elif key.fileobj in self.clients:
                        self._receive(self.clients[key.fileobj])
                    elif key.fileobj in self.refused:
                        self._discard(key.fileobj)
                self._timers(time.monotonic())
        finally:
            for client in list(self.clients.values()):
                self._drop(client, "the server stops")
            for conn in list(self.refused):
                self._close_refused(conn)
            self.selector.close()

    def _wait(self) -> float:
        """Until the next thing to do: a client's inter-byte or idle timeout, or a look at `stop`."""
        wait = POLL_S
        now = time.monotonic()
        for client in self.clients.values():
            quiet = now - client.last_byte_at
            if client.endpoint.mid_frame:
                wait = min(wait, INTER_BYTE_TIMEOUT_S - quiet)
            wait = min(wait, self.idle_timeout - quiet)
        return max(wait, 0.0)

    def _free_slot(self) -> int | None:
        taken = {client.slot for client in self.clients.values()}
        return next((slot for slot in range(len(self.devices)) if slot not in taken), None)

    def _accept(self) -> None:
        try:
            conn, address = self.server.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # e.g. the connection was reset before it was accepted
            log.warning("accept failed: %s", exc)
            return
        peer = f"{address[0]}:{address[1]}"
        conn.settimeout(SEND_TIMEOUT_S)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._free_slot() is None:
            for client in [c for c in self.clients.values() if self._gone(c)]:
                self._drop(client, "closed by the client")
        slot = self._free_slot()
        if slot is None:
            log.info("%s refused: busy with %s", peer, ", ".join(c.peer for c in self.clients.values()))
            self._refuse(conn)
            return
        log.info("%s connected to device %d", peer, slot + 1)
        self.clients[conn] = _Client(conn, peer, slot, StreamEndpoint(self.devices[slot]))
        self.selector.register(conn, selectors.EVENT_READ)

    @staticmethod
    def _gone(client: _Client) -> bool:
        """Has the client closed its end (its goodbye may arrive together with the next client's hello)?"""
        client.conn.setblocking(False)  # a socket with a timeout would wait for data instead of saying "none"
        try:
            return client.conn.recv(1, socket.MSG_PEEK) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        finally:
            client.conn.settimeout(SEND_TIMEOUT_S)

    def _refuse(self, conn: socket.socket) -> None:
        """One busy error frame, then FIN; what the client sent meanwhile is read and dropped, so that closing
        does not turn into a reset that could destroy the busy frame before the client reads it."""
        try:
            conn.sendall(self.busy)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            conn.close()
            return
        self.refused[conn] = time.monotonic() + REFUSED_LINGER_S
        self.selector.register(conn, selectors.EVENT_READ)

    def _discard(self, conn) -> None:
        try:
            if conn.recv(4096):
                return
        except OSError:
            pass
        self._close_refused(conn)

    def _close_refused(self, conn: socket.socket) -> None:
        self.refused.pop(conn, None)
        self.selector.unregister(conn)
        conn.close()

    def _receive(self, client: _Client) -> None:
        try:
            data = client.conn.recv(4096)
        except OSError as exc:
            return self._drop(client, f"receive failed: {exc}")
        if not data:
            return self._drop(client, "closed by the client")
        client.last_byte_at = time.monotonic()
        self._send(client, client.endpoint.feed(data))

    def _timers(self, now: float) -> None:
        for conn in [c for c, deadline in self.refused.items() if now >= deadline]:
            self._close_refused(conn)
        for client in list(self.clients.values()):
            quiet = now - client.last_byte_at
            if client.endpoint.mid_frame and quiet >= INTER_BYTE_TIMEOUT_S:
                if not self._send(client, client.endpoint.expire()):
                    continue
            if quiet >= self.idle_timeout:
                self._drop(client, f"idle for {self.idle_timeout:g} s (no byte received)")

    def _send(self, client: _Client, data: bytes) -> bool:
        if not data:
            return True
        try:
            client.conn.sendall(data)
            return True
        except socket.timeout:
            self._drop(client, f"it took no answer bytes for {SEND_TIMEOUT_S:g} s")
        except OSError as exc:  # broken pipe, reset: the client left without reading its answers
            self._drop(client, f"send failed: {exc}")
        return False

    def _drop(self, client: _Client, why: str) -> None:
        log.info("%s dropped from device %d: %s", client.peer, client.slot + 1, why)
        self.clients.pop(client.conn, None)
        self.selector.unregister(client.conn)
        client.conn.close()
