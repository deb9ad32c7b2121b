"""Whether a run fails CI: open findings at or above a severity (exit code 3).

``--strict`` also fails a run with anything that could not be assessed:
checks, migration steps, and who is at risk. An audit that could not look is
not a pass.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from reporter.analyze.model import (
    SEVERITY_ORDER,
    Analysis,
    Finding,
    NotAssessed,
    Severity,
    StepStatus,
)
from reporter.suppress import SuppressionOutcome

EXIT_OK = 0
EXIT_FINDINGS = 3


@dataclass(frozen=True)
class Gate:
    """The failing threshold and whether "could not assess" fails too."""

    fail_on: Severity = Severity.HIGH
    strict: bool = False

    def reaches(self, severity: Severity) -> bool:
        """Whether ``severity`` is at or above the threshold."""
        return SEVERITY_ORDER.index(severity) <= SEVERITY_ORDER.index(self.fail_on)


@dataclass(frozen=True)
class GateResult:
    """What failed the run, if anything, and the exit code it means."""

    gate: Gate
    failing: tuple[Finding, ...]  # open, gated findings at or above fail_on
    not_assessed: tuple[NotAssessed, ...]  # counted as failing only when strict
    # Steps and the at-risk assessment that could not assess, one line each;
    # counted as failing only when strict, like the checks.
    unassessed: tuple[str, ...] = ()

    @property
    def strict_failures(self) -> bool:
        """Whether ``--strict`` fails the run: anything could not be assessed."""
        return self.gate.strict and bool(self.not_assessed or self.unassessed)

    @property
    def failed(self) -> bool:
        """Whether the run fails."""
        return bool(self.failing) or self.strict_failures

    @property
    def exit_code(self) -> int:
        """0 when it passes, 3 when it fails."""
        return EXIT_FINDINGS if self.failed else EXIT_OK

    @property
    def summary(self) -> str:
        """One line for stderr."""
        if not self.failed:
            return f"passed: no open finding at or above {self.gate.fail_on}"
        parts = []
        if self.failing:
            parts.append(
                f"{len(self.failing)} open finding(s) at or above {self.gate.fail_on}"
            )
        if self.gate.strict and self.not_assessed:
            parts.append(f"{len(self.not_assessed)} check(s) could not assess")
        if self.gate.strict and self.unassessed:
            parts.append(
                f"{len(self.unassessed)} step(s) or assessment(s) could not assess"
            )
        return "failed: " + ", ".join(parts)


def unassessed_of(analysis: Analysis, *, prefix: str = "") -> tuple[str, ...]:
    """What ``--strict`` counts beside checks: each step that could not assess,
    and who is at risk when that could not be assessed, one line each.
    """
    lines = [
        f"{prefix}step {step.number} ({step.title}) could not assess"
        + (f": {step.evidence[0]}" if step.evidence else "")
        for step in analysis.steps
        if step.status is StepStatus.COULD_NOT_ASSESS
    ]
    if not analysis.at_risk_assessed:
        lines.append(f"{prefix}who is at risk could not be assessed")
    return tuple(lines)


def evaluate(
    outcome: SuppressionOutcome,
    gate: Gate,
    not_assessed: Iterable[NotAssessed],
    gated_ids: frozenset[str] | None = None,
    unassessed: Iterable[str] = (),
) -> GateResult:
    """Judge the open findings (of ``gated_ids`` only, when given) by ``gate``.

    ``unassessed`` (from ``unassessed_of``) fails a strict gate as checks do.
    """
    failing = tuple(
        f
        for f in outcome.open
        if gate.reaches(f.severity) and (gated_ids is None or f.finding_id in gated_ids)
    )
    return GateResult(
        gate=gate,
        failing=failing,
        not_assessed=tuple(not_assessed),
        unassessed=tuple(unassessed),
    )


# stderr stays readable on a 20,000-member account: a few subjects per check.
SUBJECTS_PER_CHECK = 5
SUBJECT_CHARS = 80
UNASSESSED_LINES = 10


def gate_lines(result: GateResult) -> list[str]:
    """The gate's failures for stderr: each failing finding named by its subject.

    A check failing for many subjects prints its first ``SUBJECTS_PER_CHECK``
    and "and K more"; with ``--strict`` each thing not assessed is named too.
    """
    lines: list[str] = []
    by_check: dict[str, list[Finding]] = {}
    for finding in result.failing:
        by_check.setdefault(finding.check_id, []).append(finding)
    for check_id, findings in by_check.items():
        for finding in findings[:SUBJECTS_PER_CHECK]:
            lines.append(
                f"{finding.severity}: {printable(finding.title)}: "
                f"{_cut(printable(finding.subject))} [{check_id}]"
            )
        if len(findings) > SUBJECTS_PER_CHECK:
            more = len(findings) - SUBJECTS_PER_CHECK
            lines.append(f"{findings[0].severity}: and {more} more [{check_id}]")
    if result.gate.strict:
        # Steps first: six at most per account, each blocking step 6.
        lines += _capped(
            [f"could not assess: {printable(line)}" for line in result.unassessed]
            + [
                f"could not assess: {printable(n.title)} [{n.check_id}]: "
                f"{printable(n.reason)}"
                for n in result.not_assessed
            ]
        )
    return lines


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= UNASSESSED_LINES:
        return lines
    more = len(lines) - UNASSESSED_LINES
    return [*lines[:UNASSESSED_LINES], f"could not assess: and {more} more"]


def _cut(text: str) -> str:
    return text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1] + "…"


def printable(text: str) -> str:
    """``text`` with control, format and separator characters escaped as ``\\uXXXX``.

    A bidi override (U+202E) or a NUL in a name cannot reorder or hide the
    rest of a terminal line.
    """
    return "".join(
        ch
        if ch == " " or unicodedata.category(ch)[0] not in "CZ"
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
