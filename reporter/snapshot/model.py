"""The in-memory snapshot: the manifest plus the raw objects of each entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EndpointStatus = Literal["ok", "failed"]


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP exchange made while collecting.

    ``retries`` counts the earlier attempts of the same request (0 on the first).
    """

    method: str
    path: str
    status: int | None
    elapsed_ms: float
    entry: str
    page: int
    retries: int = 0


@dataclass(frozen=True)
class EndpointRecord:
    """How collecting one snapshot entry went.

    ``failed`` entries have no data in the snapshot; ``reason`` says why and
    ``hint`` names what would fix it (for example a token permission).
    """

    entry: str
    status: EndpointStatus
    pages: int = 0
    count: int = 0
    http_status: int | None = None
    error_code: str | None = None
    reason: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Manifest:
    """What was collected, when, from where, and the hash of every entry.

    A resumed collection's ``started_at`` is when its first run started, and
    ``resumed_at`` when the run that finished it did (None when not resumed).
    """

    format_version: int
    tool_version: str
    started_at: str
    finished_at: str
    account_id: str
    sources: Mapping[str, str]
    settings: Mapping[str, str]
    endpoints: tuple[EndpointRecord, ...]
    requests: tuple[RequestRecord, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    resumed_at: str | None = None

    def endpoint(self, entry: str) -> EndpointRecord | None:
        """The record for ``entry``, or None when it was never attempted."""
        for record in self.endpoints:
            if record.entry == entry:
                return record
        return None


@dataclass(frozen=True)
class Snapshot:
    """A collection's evidence, as read back from (or about to be written to) disk."""

    manifest: Manifest
    entries: Mapping[str, Any]
    sha256: str = ""
    path: str | None = None

    def get(self, entry: str) -> Any | None:
        """The raw objects of ``entry``, or None when it was not collected."""
        return self.entries.get(entry)

    def has(self, entry: str) -> bool:
        """Whether ``entry`` was collected successfully."""
        return entry in self.entries
