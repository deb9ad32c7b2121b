"""The entries and endpoint records a collection builds up, entry by entry."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from reporter.collect.http import ApiError
from reporter.snapshot.model import EndpointRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fetched:
    """The merged raw objects of one entry, and how many pages and items it took."""

    data: Any
    pages: int
    count: int


class Evidence:
    """Snapshot entries plus one EndpointRecord per entry attempted."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.endpoints: list[EndpointRecord] = []

    def add(self, entry: str, fetched: Fetched) -> None:
        """Keep ``entry`` and record it as collected."""
        self.entries[entry] = fetched.data
        self.endpoints.append(
            EndpointRecord(
                entry=entry, status="ok", pages=fetched.pages, count=fetched.count
            )
        )

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
        entry was collected.
        """
        try:
            fetched = fetch()
        except ApiError as exc:
            if exc.status not in tolerated:
                raise
            self.fail(
                entry,
                reason=exc.message,
                hint=hint,
                http_status=exc.status,
                error_code=exc.code,
            )
            return False
        self.add(entry, fetched)
        return True

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
