"""Accepted risks: a suppressions file, and which findings it suppresses.

A suppression names one finding by id, or a check and a subject glob. It has
an owner, a reason and an expiry date; after that date it no longer applies
and is reported as expired. A suppressed finding stays in every output,
marked and counted as suppressed. Today's date is always passed in.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reporter.analyze.catalog import load_catalog, read_catalog
from reporter.analyze.model import Finding
from reporter.errors import ConfigError
from reporter.regular_file import FileTooLarge, NotRegularFile, read_regular_file

# 44,000 entries of the README's shape, parsed and validated in about 2 s and
# 130 MB; far more accepted risks than any review could keep owned and dated.
MAX_BYTES = 8 * 1024 * 1024


class SuppressionSpec(BaseModel):
    """One ``[[suppress]]`` table as written in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    finding_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    check: str | None = Field(default=None, min_length=1)
    subject: str | None = Field(default=None, min_length=1)  # glob, with check

    @model_validator(mode="after")
    def _one_target(self) -> SuppressionSpec:
        if (self.finding_id is None) == (self.check is None):
            raise ValueError("give exactly one of finding_id or check")
        if self.subject is not None and self.check is None:
            raise ValueError("subject is a pattern for check; drop it or add check")
        if self.check is not None and self.check not in known_check_ids():
            raise ValueError(f"check {self.check!r} is not a known check id")
        return self


class SuppressionsFile(BaseModel):
    """The whole file: a format version and the suppressions."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    suppress: list[SuppressionSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Suppression:
    """One accepted risk, numbered as it appears in its file."""

    number: int  # 1-based position in the file
    owner: str
    reason: str
    expires: date
    finding_id: str | None
    check: str | None
    subject: str  # "*" when only a check is named

    @property
    def target(self) -> str:
        """What it suppresses, for people."""
        if self.finding_id is not None:
            return f"finding {self.finding_id}"
        return f"check {self.check}, subject {self.subject}"

    def expired(self, today: date) -> bool:
        """Whether ``today`` is after the expiry date (the date itself counts)."""
        return today > self.expires

    def matches(self, finding: Finding) -> bool:
        """Whether this suppression names ``finding``."""
        if self.finding_id is not None:
            return finding.finding_id == self.finding_id
        return finding.check_id == self.check and fnmatch.fnmatchcase(
            finding.subject, self.subject
        )


@dataclass(frozen=True)
class Judged:
    """A finding and the suppression that accepts it, if any."""

    finding: Finding
    suppression: Suppression | None = None

    @property
    def suppressed(self) -> bool:
        """Whether an active suppression accepts the finding."""
        return self.suppression is not None


@dataclass(frozen=True)
class SuppressionOutcome:
    """Every finding judged, and the suppressions that did not apply."""

    judged: tuple[Judged, ...]
    expired: tuple[Suppression, ...]
    unmatched: tuple[Suppression, ...]  # active, but matching no finding

    @property
    def open(self) -> tuple[Finding, ...]:
        """The findings no active suppression accepts."""
        return tuple(j.finding for j in self.judged if not j.suppressed)

    def suppression_of(self, finding: Finding) -> Suppression | None:
        """The suppression accepting ``finding``, if any."""
        for judged in self.judged:
            if judged.finding.finding_id == finding.finding_id:
                return judged.suppression
        return None


def known_check_ids() -> frozenset[str]:
    """Every check id a suppression may name: the analyzer's and the diff's."""
    return frozenset(load_catalog()) | frozenset(read_catalog("reporter.diff"))


def load_suppressions(path: Path) -> tuple[Suppression, ...]:
    """Read and validate ``path``; a bad file is a ConfigError naming the field."""
    data = _read_bytes(path)
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"the suppressions file {path} is not valid TOML: {exc}",
            hint="fix the syntax; each entry is a [[suppress]] table",
        ) from exc
    except RecursionError:
        # tomllib recurses once per nested array or inline table.
        raise ConfigError(
            f"the suppressions file {path} nests arrays or tables too deeply to read",
            hint="each entry is a [[suppress]] table of plain values",
        ) from None
    try:
        parsed = SuppressionsFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"the suppressions file {path} is invalid: {_first_problem(exc)}",
            hint="each [[suppress]] needs owner, reason, expires (YYYY-MM-DD) and "
            "finding_id or check (with an optional subject glob)",
        ) from exc
    return tuple(_suppression(n, spec) for n, spec in enumerate(parsed.suppress, 1))


def _read_bytes(path: Path) -> bytes:
    try:
        return read_regular_file(path, MAX_BYTES)
    except NotRegularFile as exc:
        raise ConfigError(
            f"the suppressions file {path} {exc}",
            hint="pass --suppressions the path of a TOML file saved on disk",
        ) from exc
    except FileTooLarge as exc:
        raise ConfigError(
            f"the suppressions file {path} is {exc.size:,} bytes, more than the "
            f"{MAX_BYTES:,} bytes ({MAX_BYTES >> 20} MiB) a suppressions file "
            "may hold",
            hint="check that --suppressions names the TOML file of accepted risks",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"cannot read the suppressions file {path}: {exc.strerror or exc}",
            hint="pass --suppressions with a readable TOML file",
        ) from exc


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = "".join(
        f"[{part + 1}]" if isinstance(part, int) else f".{part}"
        for part in error["loc"]
    ).lstrip(".")
    message = error["msg"].removeprefix("Value error, ")
    return f"{where or 'file'}: {message}"


def _suppression(number: int, spec: SuppressionSpec) -> Suppression:
    return Suppression(
        number=number,
        owner=spec.owner,
        reason=spec.reason,
        expires=spec.expires,
        finding_id=spec.finding_id,
        check=spec.check,
        subject=spec.subject or "*",
    )


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Iterable[Suppression], today: date
) -> SuppressionOutcome:
    """Judge ``findings`` against the suppressions still in force on ``today``."""
    suppressions, findings = tuple(suppressions), tuple(findings)
    active = [s for s in suppressions if not s.expired(today)]
    judged = tuple(
        Judged(f, next((s for s in active if s.matches(f)), None)) for f in findings
    )
    used = {s.number for s in active for f in findings if s.matches(f)}
    return SuppressionOutcome(
        judged=judged,
        expired=tuple(s for s in suppressions if s.expired(today)),
        unmatched=tuple(s for s in active if s.number not in used),
    )
