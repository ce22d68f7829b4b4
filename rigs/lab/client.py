"""A labgrid coordinator session kept alive in its own thread, with blocking calls that each have a timeout.

labgrid's ClientSession is asyncio code whose message pump must keep running: it receives the place and resource
updates (who holds a place, an exporter that went away) and answers the coordinator's keepalives. Tests and
scenarios are synchronous, so the session lives on an event loop in a daemon thread and every call here waits
for its result with a deadline.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

import grpc
from labgrid.remote.client import ClientSession
from labgrid.remote.common import Place, Reservation, ReservationState
from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
from labgrid.remote.generated import labgrid_coordinator_pb2_grpc as pb2_grpc

from keybench.rigs.config import RigError

POLL_S = 0.25  # how often a wait looks at the coordinator's state again (the state itself arrives as events)


# labgrid's own keepalive settings for a client (labgrid.remote.client.ClientSession).
CHANNEL_OPTIONS = [("grpc.keepalive_time_ms", 7500), ("grpc.keepalive_timeout_ms", 10000),
                   ("grpc.http2.ping_timeout_ms", 10000), ("grpc.http2.max_pings_without_data", 0)]


class LabError(RigError):
    """The lab (coordinator, place, exporter) cannot give us the bench: the bench, not a test, failed."""


@dataclass(frozen=True)
class LabResource:
    """One resource a place matches, as the coordinator knows it now."""
    exporter: str
    group: str
    name: str  # the name the place gives it (a match's rename), else the exporter's
    cls: str
    params: dict
    extra: dict
    avail: bool
    acquired: str  # the place that holds it, or ""

    @property
    def path(self) -> str:
        return f"{self.exporter}/{self.group}/{self.cls}/{self.name}"


class LabClient:
    """One session with a coordinator at `address` (HOST:PORT)."""

    def __init__(self, address: str, timeout: float = 10.0):
        self.address = address
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"labgrid {address}", daemon=True)
        self._thread.start()
        self.session: ClientSession | None = None
        try:
            self.session = self._run(self._connect(), timeout, f"reach the labgrid coordinator at {address}")
        except BaseException:
            self.close()
            raise

    async def _connect(self) -> ClientSession:
        session = ClientSession(self.address, self._loop)
        # gRPC shares one TCP connection among a process's channels to the same address, and the coordinator
        # allows one client stream per connection: a second session in this process (the doctor's capability
        # check, then the run) must get its own connection.
        await session.channel.close()
        session.channel = grpc.aio.insecure_channel(
            self.address, options=[*CHANNEL_OPTIONS, ("grpc.use_local_subchannel_pool", 1)])
        session.stub = pb2_grpc.CoordinatorStub(session.channel)
        try:
            await session.start()
        except Exception:
            await session.close()
            raise
        return session

    def _run(self, coro, timeout: float, what: str):
        """Run `coro` on the session's loop; a timeout or a gRPC error is a LabError saying what we tried."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise LabError(f"could not {what} within {timeout:g} s") from None
        except LabError:
            raise
        except Exception as exc:  # noqa: BLE001 - gRPC's AioRpcError, labgrid's ServerError (no coordinator)
            details = getattr(exc, "details", None)  # a gRPC error's own sentence, without the call's repr
            raise LabError(f"could not {what}: {details() if callable(details) else exc}") from None

    def rpc(self, method: str, request):
        """One coordinator call by its gRPC name (AddPlace, SetPlaceTags ...): what a lab admin's tool does."""
        return self._stub(method, request, f"call {method}")

    def _stub(self, method: str, request, what: str):
        """A unary gRPC call, made on the session's loop (a gRPC call object belongs to the loop that made it)."""
        async def call():
            return await getattr(self.session.stub, method)(request)
        return self._run(call(), self.timeout, what)

    @property
    def identity(self) -> str:
        """host/user, the name the coordinator shows as a place's holder (LG_HOSTNAME, LG_USERNAME override)."""
        return f"{self.session.gethostname()}/{self.session.getuser()}"

    @property
    def alive(self) -> bool:
        return self.session is not None and not self.session.stopping.is_set()

    # --- state, as the coordinator last told it --------------------------------------------------------------
    def refresh(self) -> None:
        """Wait until the coordinator has sent us every update it had (places, resources)."""
        if not self._run(self.session.sync_with_coordinator(), self.timeout, "sync with the coordinator"):
            raise LabError(f"the labgrid coordinator at {self.address} went away")

    def places(self) -> dict[str, Place]:
        return dict(self.session.places)

    def place(self, name: str) -> Place:
        try:
            return self.session.places[name]
        except KeyError:
            known = ", ".join(sorted(self.session.places)) or "none"
            raise LabError(f"the coordinator at {self.address} has no place {name!r} (places: {known})") from None

    def matching_places(self, tags: dict[str, str]) -> list[Place]:
        """Places whose tags include all of `tags` (a reservation filter; `name=` matches the place name)."""
        found = []
        for name, place in sorted(self.session.places.items()):
            have = dict(place.tags, name=name)
            if all(have.get(key) == value for key, value in tags.items()):
                found.append(place)
        return found

    def resources_of(self, place: Place) -> list[LabResource]:
        """Every exported resource the place's matches select (acquired or not), as known now."""
        found = []
        for exporter, groups in sorted(self.session.resources.items()):
            for group_name, group in sorted(groups.items()):
                for resource_name, entry in sorted(group.items()):
                    if not entry.data:  # deleted: its exporter went away
                        continue
                    path = (exporter, group_name, entry.cls, resource_name)
                    match = place.getmatch(path)
                    if match is None:
                        continue
                    found.append(LabResource(exporter, group_name, match.rename or resource_name, entry.cls,
                                             dict(entry.args), dict(entry.extra), bool(entry.avail),
                                             entry.acquired or ""))
        return found

    def resource_alive(self, resource: LabResource) -> bool:
        """Still exported and available (an exporter that died or lost the device deletes or disables it)."""
        entry = self.session.resources.get(resource.exporter, {}).get(resource.group, {}).get(resource.name)
        return bool(entry is not None and entry.data and entry.avail)

    # --- reservations and locks ----------------------------------------------------------------------------
    def reserve(self, tags: dict[str, str], timeout: float) -> tuple[str, str]:
        """A reservation for one place matching `tags`, waited for: (token, place name). The coordinator's
        scheduler hands each reservation a different place, so parallel workers get a place each."""
        request = pb2.CreateReservationRequest(filters={"main": pb2.Reservation.Filter(filter=tags)}, prio=0)
        reply = self._stub("CreateReservation", request, "create a reservation")
        token = Reservation.from_pb2(reply.reservation).token
        deadline = time.monotonic() + timeout
        try:
            while True:
                poll = pb2.PollReservationRequest(token=token)
                reply = self._stub("PollReservation", poll, "poll the reservation")
                res = Reservation.from_pb2(reply.reservation)
                if res.state in (ReservationState.allocated, ReservationState.acquired):
                    return token, res.allocations["main"][0]
                if res.state is not ReservationState.waiting:
                    raise LabError(f"the reservation for {_filter_text(tags)} became {res.state.name}")
                if time.monotonic() >= deadline:
                    raise LabError(f"no place matching {_filter_text(tags)} became free within {timeout:g} s: "
                                   f"{self.describe_places(self.matching_places(tags))}")
                time.sleep(POLL_S)  # the coordinator pushes no event for a reservation: it is polled
        except BaseException:
            self.cancel_reservation(token)
            raise

    def cancel_reservation(self, token: str) -> None:
        try:
            self._stub("CancelReservation", pb2.CancelReservationRequest(token=token), f"cancel reservation {token}")
        except LabError:
            pass  # expired or the coordinator is gone: the coordinator drops it by itself after 60 s

    def acquire(self, name: str, timeout: float) -> Place:
        """Lock the place for us, waiting up to `timeout` while someone else holds it."""
        deadline = time.monotonic() + timeout
        while True:
            self.refresh()
            place = self.place(name)
            if not place.acquired:
                try:
                    self._stub("AcquirePlace", pb2.AcquirePlaceRequest(placename=name), f"acquire place {name!r}")
                    self.refresh()
                    return self.place(name)
                except LabError:
                    self.refresh()  # someone was quicker, or the place is reserved for someone else
                    place = self.place(name)
                    if not (place.acquired or place.reservation):
                        raise
            if time.monotonic() >= deadline:
                raise LabError(f"place {name!r} is {self.holder_text(place)}; waited {timeout:g} s for it "
                               f"(labgrid-client -x {self.address} who lists who holds what)")
            time.sleep(POLL_S)

    def holder_text(self, place: Place) -> str:
        """'free', 'held by host/user (since ...)', or 'reserved for someone else (...)'."""
        if place.acquired:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(place.changed))
            return f"held by {place.acquired} (since {since})"
        if place.reservation:
            return f"reserved for someone else (reservation {place.reservation})"
        return "free"

    def release(self, name: str) -> None:
        """Unlock the place if we hold it (fromuser: never someone else's lock)."""
        request = pb2.ReleasePlaceRequest(placename=name, fromuser=self.identity)
        self._stub("ReleasePlace", request, f"release place {name!r}")

    def describe_places(self, places: list[Place]) -> str:
        if not places:
            return "no place has those tags"
        return "; ".join(f"{p.name} {self.holder_text(p)}" for p in places)

    def close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            try:
                self._run(_stop(session), 5.0, "close the coordinator session")
            except LabError:
                pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5.0)


async def _stop(session: ClientSession) -> None:
    await session.stop()
    await session.close()


def _filter_text(tags: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in tags.items())
