"""Snapshots: the evidence file between collection and analysis."""

from reporter.snapshot.io import read_snapshot, write_snapshot
from reporter.snapshot.model import EndpointRecord, Manifest, RequestRecord, Snapshot

__all__ = [
    "EndpointRecord",
    "Manifest",
    "RequestRecord",
    "Snapshot",
    "read_snapshot",
    "write_snapshot",
]
