"""Whether a run fails CI: open findings at or above a severity (exit code 3).

``--strict`` also fails a run with checks that could not be assessed: an
audit that could not look is not a pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reporter.analyze.model import SEVERITY_ORDER, Finding, NotAssessed, Severity
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

    @property
    def failed(self) -> bool:
        """Whether the run fails."""
        return bool(self.failing) or (self.gate.strict and bool(self.not_assessed))

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
        return "failed: " + ", ".join(parts)


def evaluate(
    outcome: SuppressionOutcome,
    gate: Gate,
    not_assessed: Iterable[NotAssessed],
    gated_ids: frozenset[str] | None = None,
) -> GateResult:
    """Judge the open findings (of ``gated_ids`` only, when given) by ``gate``."""
    failing = tuple(
        f
        for f in outcome.open
        if gate.reaches(f.severity) and (gated_ids is None or f.finding_id in gated_ids)
    )
    return GateResult(gate=gate, failing=failing, not_assessed=tuple(not_assessed))
