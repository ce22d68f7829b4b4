"""A client for Renode's robot server: Robot Framework's remote-library protocol over XML-RPC (stdlib only).

Renode started with `--robot-server-port P` answers get_keyword_names, run_keyword(name, args) -> {status,
return, error, traceback} and stop_remote_server. Keywords are Renode's C# names; monitor commands go through
ExecuteCommand.
"""
from __future__ import annotations

import http.client
import xmlrpc.client
from typing import Any

from keybench.rigs.config import RigError


class RobotError(RigError):
    """A keyword failed, or the robot server could not be reached."""


class _TimeoutTransport(xmlrpc.client.Transport):
    """xmlrpc.client has no timeout of its own; without one a hung Renode would hang the test run."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class RobotClient:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 60.0):
        self.url = f"http://{host}:{port}/"
        self.timeout = timeout
        self._proxy = xmlrpc.client.ServerProxy(self.url, transport=_TimeoutTransport(timeout), allow_none=True)

    def keyword_names(self) -> list[str]:
        try:
            return list(self._proxy.get_keyword_names())
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as exc:
            raise RobotError(f"Renode robot server at {self.url}: {exc}") from None

    def keyword(self, name: str, *args: Any) -> Any:
        """Run one keyword; its return value, or RobotError with Renode's own error text."""
        try:
            result = self._proxy.run_keyword(name, list(args))
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as exc:
            raise RobotError(f"Renode keyword {name} {list(args)}: {exc}") from None
        if result.get("status") != "PASS":
            error = str(result.get("error", "")).strip() or "no error text"
            raise RobotError(f"Renode keyword {name} {list(args)} failed: {error}")
        return result.get("return")

    def command(self, text: str) -> str:
        """One monitor command, as typed at Renode's monitor; its output."""
        return self.keyword("ExecuteCommand", text) or ""

    def stop_server(self) -> None:
        """Ask Renode to shut down. Its answer may never come (it is exiting), so errors are not ours."""
        try:
            self._proxy.stop_remote_server()
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            pass
