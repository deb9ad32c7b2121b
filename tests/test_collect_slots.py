"""Request slots: at most ``concurrency`` in flight, preferred entries served first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import httpx
import pytest

from reporter.collect.http import Aborted, ApiSession

BASE = "https://api.test"


def wait_until(condition: Callable[[], bool]) -> None:
    """Block until ``condition()`` holds (a test thread reached its wait)."""
    for _ in range(1000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("the condition never held")


class Gate:
    """A MockTransport handler whose ``/held`` request blocks until opened."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.served: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/held":
            self.entered.set()
            self.opened.wait(timeout=10)
        self.served.append(request.url.path)
        return httpx.Response(200, json={})


def one_slot(gate: Gate) -> ApiSession:
    client = httpx.Client(base_url=BASE, transport=httpx.MockTransport(gate))
    return ApiSession(client, concurrency=1)


def start(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def queue(session: ApiSession, work: Callable[[], object]) -> threading.Thread:
    """Start ``work`` on a thread; return once its request waits for a slot."""
    queued = session.waiting
    thread = start(work)
    wait_until(lambda: session.waiting > queued)
    return thread


def get(session: ApiSession, entry: str) -> Callable[[], object]:
    """A GET of ``/<entry>`` for ``entry``, to run on a thread."""
    return lambda: session.get_json(f"/{entry}", entry=entry)


def test_a_freed_slot_goes_to_the_preferred_entry_first() -> None:
    """Waiting requests are served in the order of prefer(), not of arrival."""
    gate = Gate()
    session = one_slot(gate)
    session.prefer(["first", "second"])
    threads = [start(get(session, "held"))]
    wait_until(gate.entered.is_set)
    for entry in ("other", "second", "first"):
        threads.append(queue(session, get(session, entry)))

    gate.opened.set()
    for thread in threads:
        thread.join(timeout=10)

    assert gate.served == ["/held", "/first", "/second", "/other"]


def test_equal_entries_are_served_in_arrival_order() -> None:
    """Without preference, requests waiting for a slot go first come, first served."""
    gate = Gate()
    session = one_slot(gate)
    threads = [start(get(session, "held"))]
    wait_until(gate.entered.is_set)
    for path in ("/a", "/b", "/c"):
        threads.append(queue(session, partial(session.get_json, path, entry="list")))

    gate.opened.set()
    for thread in threads:
        thread.join(timeout=10)

    assert gate.served == ["/held", "/a", "/b", "/c"]


def test_a_request_waiting_for_a_slot_is_not_sent_after_an_abort() -> None:
    """Stopped while it waits for a slot, a request raises Aborted, unsent."""
    gate = Gate()
    session = one_slot(gate)
    errors: list[BaseException] = []

    def waiter() -> None:
        try:
            session.get_json("/late", entry="late")
        except Aborted as exc:
            errors.append(exc)

    held = start(get(session, "held"))
    wait_until(gate.entered.is_set)
    late = queue(session, waiter)
    session.abort()
    gate.opened.set()
    held.join(timeout=10)
    late.join(timeout=10)

    assert gate.served == ["/held"]
    assert [str(e) for e in errors] == [
        f"GET {BASE}/late not sent: the collection was stopped"
    ]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_no_more_than_concurrency_requests_are_in_flight(concurrency: int) -> None:
    """map() over many items never has more requests in flight than slots."""
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most
    # Requests go on in groups of `concurrency`, all in flight together.
    together = threading.Barrier(concurrency, timeout=10)

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        together.wait()
        with lock:
            in_flight[0] -= 1
        return httpx.Response(200, json={"n": request.url.params["n"]})

    client = httpx.Client(base_url=BASE, transport=httpx.MockTransport(handler))
    session = ApiSession(client, concurrency=concurrency)

    bodies = session.map(
        lambda n: session.get_json("/n", entry="n", params={"n": n})[0], range(12)
    )

    assert bodies == [{"n": str(n)} for n in range(12)]
    assert in_flight[1] == concurrency
