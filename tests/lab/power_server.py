"""A network power switch on loopback, speaking labgrid's "simplerest" model: GET /power/<index>/<0|1> switches
outlet <index>, GET /power/<index> answers its state. Each outlet powers one device of the test lab; the tests
read `events` to see the switch was used."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


class PowerServer:
    def __init__(self):
        self.outlets: dict[int, Callable[[bool], None]] = {}  # index -> switch(on)
        self.state: dict[int, bool] = {}
        self.events: list[tuple[int, bool]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                parts = self.path.strip("/").split("/")
                try:
                    index = int(parts[1])
                    if len(parts) == 3:
                        server.switch(index, parts[2] == "1")
                    body = b"1" if server.state.get(index, True) else b"0"
                    self.send_response(200)
                except (IndexError, ValueError, KeyError) as exc:
                    body = f"bad request {self.path}: {exc}".encode()
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/power/{{index}}/{{value}}"

    def switch(self, index: int, on: bool) -> None:
        self.outlets[index](on)
        self.state[index] = on
        self.events.append((index, on))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
