"""The findings catalog, read from ``catalog.toml`` shipped in this package."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from reporter.analyze.model import Severity
from reporter.errors import AnalyzeError

_FIELDS = ("title", "severity", "step", "rationale", "remediation", "references")


@dataclass(frozen=True)
class CatalogEntry:
    """What a check id means: its title, severity, rationale and fix."""

    check_id: str
    title: str
    severity: Severity
    step: int
    rationale: str
    remediation: str
    references: tuple[str, ...]  # public documents behind the check


@cache
def load_catalog() -> dict[str, CatalogEntry]:
    """Every catalog entry of the analyzer's checks, by check id."""
    return read_catalog("reporter.analyze")


@cache
def read_catalog(package: str) -> dict[str, CatalogEntry]:
    """The entries of the ``catalog.toml`` shipped in ``package``, by check id."""
    raw = tomllib.loads(
        resources.files(package).joinpath("catalog.toml").read_text("utf-8")
    )
    return {cid: _entry(cid, table) for cid, table in raw.get("checks", {}).items()}


def entry(check_id: str) -> CatalogEntry:
    """The catalog entry of ``check_id``; an unknown id is a programming error."""
    try:
        return load_catalog()[check_id]
    except KeyError:
        raise AnalyzeError(
            f"check id {check_id!r} is not in the findings catalog",
            hint="add it to reporter/analyze/catalog.toml",
        ) from None


def _entry(check_id: str, table: dict[str, Any]) -> CatalogEntry:
    absent = [name for name in _FIELDS if name not in table]
    if absent:
        raise AnalyzeError(
            f"catalog entry {check_id!r} lacks {', '.join(absent)}",
            hint="complete it in reporter/analyze/catalog.toml",
        )
    return CatalogEntry(
        check_id=check_id,
        title=str(table["title"]),
        severity=Severity(table["severity"]),
        step=int(table["step"]),
        rationale=str(table["rationale"]),
        remediation=str(table["remediation"]),
        references=tuple(str(ref) for ref in table["references"]),
    )
