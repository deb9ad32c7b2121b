"""The entries and endpoint records a collection builds up, entry by entry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reporter.collect.http import ApiError
from reporter.snapshot.model import EndpointRecord, RequestRecord

if TYPE_CHECKING:
    from reporter.collect.partial import PartialState, SavedEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fetched:
    """The merged raw objects of one entry, and how many pages and items it took."""

    data: Any
    pages: int
    count: int


# What fetching one entry came to: its objects, or the API's refusal.
Outcome = Fetched | ApiError


class Evidence:
    """Snapshot entries plus one EndpointRecord per entry attempted.

    With a ``state``, each collected entry is also saved there, and an entry a
    previous run saved is taken from it instead of being fetched again.
    ``records`` is the list every request of the collection is appended to.
    """

    def __init__(
        self,
        state: PartialState | None = None,
        records: list[RequestRecord] | None = None,
    ) -> None:
        self.entries: dict[str, Any] = {}
        self.endpoints: list[EndpointRecord] = []
        self.records: list[RequestRecord] = [] if records is None else records
        self.restored: list[str] = []
        self._state = state
        self._kept: set[str] = set()
        self._lock = threading.Lock()

    def saved(self, entry: str) -> bool:
        """Whether a previous run finished ``entry`` (it will not be fetched)."""
        return self._state is not None and self._state.load(entry) is not None

    def peek(self, entry: str) -> SavedEntry | None:
        """What a previous run saved of ``entry``, without taking it into these."""
        return self._state.load(entry) if self._state is not None else None

    def restore(self, entry: str) -> bool:
        """Take ``entry`` from the previous run's state; False when it is not there."""
        saved = self._state.load(entry) if self._state is not None else None
        if saved is None:
            return False
        self.entries[entry] = saved.data
        self.endpoints.append(saved.record)
        self.records.extend(saved.requests)
        self.restored.append(entry)
        log.info("resumed: %s from the earlier run", entry)
        return True

    def keep(self, entry: str, fetched: Fetched) -> None:
        """Save a finished ``entry`` for a resumed run now; safe from any thread.

        ``add`` records it later, in the layout's order, without saving again.
        Its requests must all have been made.
        """
        if self._state is None:
            return
        self._save(entry, fetched)
        with self._lock:
            self._kept.add(entry)

    def add(self, entry: str, fetched: Fetched) -> None:
        """Keep ``entry`` and record it as collected."""
        self.entries[entry] = fetched.data
        self.endpoints.append(_collected(entry, fetched))
        with self._lock:
            kept = entry in self._kept
        if self._state is not None and not kept:
            self._save(entry, fetched)

    def _save(self, entry: str, fetched: Fetched) -> None:
        if self._state is None:
            return
        # A copy: other threads append their requests meanwhile.
        requests = [r for r in list(self.records) if r.entry == entry]
        self._state.save(entry, fetched.data, _collected(entry, fetched), requests)

    def settle(
        self,
        entry: str,
        outcome: Outcome,
        *,
        hint: str,
        tolerated: Collection[int] = (403, 404),
    ) -> bool:
        """Record an outcome fetched elsewhere; an untolerated refusal is raised."""
        if isinstance(outcome, Fetched):
            self.add(entry, outcome)
            return True
        if outcome.status not in tolerated:
            raise outcome
        self.fail(
            entry,
            reason=outcome.message,
            hint=hint,
            http_status=outcome.status,
            error_code=outcome.code,
        )
        return False

    def attempt(
        self,
        entry: str,
        fetch: Callable[[], Fetched],
        *,
        hint: str,
        tolerated: Collection[int] = (403, 404),
    ) -> bool:
        """Collect ``entry``; an ApiError with a ``tolerated`` status fails it alone.

        Any other error propagates and ends the collection. Returns whether the
        entry was collected (or restored from an earlier run).
        """
        if self.restore(entry):
            return True
        return self.settle(entry, outcome_of(fetch), hint=hint, tolerated=tolerated)

    def fail(
        self,
        entry: str,
        *,
        reason: str,
        hint: str,
        http_status: int | None = None,
        error_code: str | None = None,
    ) -> None:
        """Record ``entry`` as not collected: it gets no data, only this record."""
        log.warning("not collected: %s: %s (%s)", entry, reason, hint)
        self.endpoints.append(
            EndpointRecord(
                entry=entry,
                status="failed",
                http_status=http_status,
                error_code=error_code,
                reason=reason,
                hint=hint,
            )
        )

    def skip(self, entry: str, *, needs: str, hint: str) -> None:
        """Record ``entry`` as not collected because the entry it needs failed."""
        self.fail(entry, reason=f"not attempted: it needs {needs}", hint=hint)


def _collected(entry: str, fetched: Fetched) -> EndpointRecord:
    return EndpointRecord(
        entry=entry, status="ok", pages=fetched.pages, count=fetched.count
    )


def outcome_of(fetch: Callable[[], Fetched]) -> Outcome:
    """Run ``fetch``; an API refusal becomes the outcome instead of propagating."""
    try:
        return fetch()
    except ApiError as exc:
        return exc
