"""Whether a run fails CI: open findings at or above a severity (exit code 3).

``--strict`` also fails a run with anything that could not be assessed:
checks, migration steps, and who is at risk. An audit that could not look is
not a pass.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
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

# The reasons a gate judges, in the order they are stated.
FINDINGS = "findings"
CHECKS_NOT_ASSESSED = "checks-not-assessed"
STEPS_NOT_ASSESSED = "steps-not-assessed"
AT_RISK_NOT_ASSESSED = "at-risk-not-assessed"


@dataclass(frozen=True)
class Gate:
    """The failing threshold and whether "could not assess" fails too."""

    fail_on: Severity = Severity.HIGH
    strict: bool = False

    def reaches(self, severity: Severity) -> bool:
        """Whether ``severity`` is at or above the threshold."""
        return SEVERITY_ORDER.index(severity) <= SEVERITY_ORDER.index(self.fail_on)


@dataclass(frozen=True)
class Account:
    """The account a part of the gate is about."""

    account_id: str
    account_name: str = ""

    @property
    def label(self) -> str:
        """Its name and the first 8 digits of its id, as its PDF part's footer says."""
        return " ".join(
            word for word in ("Account", self.account_name, self.account_id[:8]) if word
        )


@dataclass(frozen=True)
class Unassessed:
    """A migration step, or who is at risk, that could not be assessed."""

    subject: str  # "step 3 (Sync groups)", or "who is at risk"
    reason: str = ""  # the step's first evidence, when it has any
    step: int | None = None  # None: the at-risk computation (or a diff's access)
    key: str = "at-risk"  # the subject's id when ``step`` is None

    @property
    def line(self) -> str:
        """What stderr says of it."""
        if self.step is None:
            return f"{self.subject} could not be assessed" + (
                f": {self.reason}" if self.reason else ""
            )
        return f"{self.subject} could not assess" + (
            f": {self.reason}" if self.reason else ""
        )


@dataclass(frozen=True)
class AccountGate:
    """One account's part of a gate: what fails it, and what it could not assess."""

    account: Account
    failing: tuple[Finding, ...]  # open, gated findings at or above fail_on
    not_assessed: tuple[NotAssessed, ...]  # counted as failing only when strict
    # Steps and the at-risk assessment that could not assess; counted as
    # failing only when strict, like the checks.
    unassessed: tuple[Unassessed, ...] = ()


@dataclass(frozen=True)
class GateResult:
    """What failed the run, if anything, account by account, and its exit code."""

    gate: Gate
    parts: tuple[AccountGate, ...]  # one per account, in report order
    suppressed: int = 0  # findings an accepted risk closed, of every account

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The open, gated findings at or above ``fail_on``, of every account."""
        return tuple(f for part in self.parts for f in part.failing)

    @property
    def not_assessed(self) -> tuple[NotAssessed, ...]:
        """The checks that could not assess, of every account."""
        return tuple(n for part in self.parts for n in part.not_assessed)

    @property
    def unassessed(self) -> tuple[Unassessed, ...]:
        """The steps and at-risk computations that could not assess."""
        return tuple(u for part in self.parts for u in part.unassessed)

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
        """The last stderr line, and ``gate.summary`` in the JSON, word for word.

        Without ``--strict`` it still says what could not assess, and that
        the verdict did not count it.
        """
        return f"{self._verdict()} ({self.suppressed} suppressed){self._uncounted()}"

    def _verdict(self) -> str:
        if not self.failed:
            return f"passed: no open finding at or above {self.gate.fail_on}"
        parts = []
        if self.failing:
            parts.append(
                f"{len(self.failing)} open finding(s) at or above {self.gate.fail_on}"
            )
        if self.gate.strict:
            parts += self._not_assessed_counts()
        return "failed: " + ", ".join(parts)

    def _uncounted(self) -> str:
        if self.gate.strict:
            return ""
        counts = []
        if self.not_assessed:
            counts.append(f"{len(self.not_assessed)} check(s)")
        if self.unassessed:
            counts.append(f"{len(self.unassessed)} step(s) or assessment(s)")
        if not counts:
            return ""
        return (
            f"; {' and '.join(counts)} could not assess, not counted without --strict"
        )

    def _not_assessed_counts(self) -> list[str]:
        counts = []
        if self.not_assessed:
            counts.append(f"{len(self.not_assessed)} check(s) could not assess")
        if self.unassessed:
            counts.append(
                f"{len(self.unassessed)} step(s) or assessment(s) could not assess"
            )
        return counts


def unassessed_of(analysis: Analysis) -> tuple[Unassessed, ...]:
    """What ``--strict`` counts beside checks: each step that could not assess,
    and who is at risk when that could not be assessed.
    """
    found = [
        Unassessed(
            f"step {step.number} ({step.title})",
            step.evidence[0] if step.evidence else "",
            step=step.number,
        )
        for step in analysis.steps
        if step.status is StepStatus.COULD_NOT_ASSESS
    ]
    if not analysis.at_risk_assessed:
        found.append(Unassessed("who is at risk"))
    return tuple(found)


def evaluate(
    outcome: SuppressionOutcome,
    gate: Gate,
    not_assessed: Iterable[NotAssessed],
    gated_ids: frozenset[str] | None = None,
    unassessed: Iterable[Unassessed] = (),
    account: Account | None = None,
) -> GateResult:
    """Judge the open findings (of ``gated_ids`` only, when given) by ``gate``.

    ``unassessed`` (from ``unassessed_of``) fails a strict gate as checks do;
    everything is about one ``account``.
    """
    part = AccountGate(
        account=account or Account(""),
        failing=_failing(outcome, gate, gated_ids),
        not_assessed=tuple(not_assessed),
        unassessed=tuple(unassessed),
    )
    return GateResult(gate=gate, parts=(part,), suppressed=_suppressed(outcome))


def evaluate_accounts(
    outcome: SuppressionOutcome, gate: Gate, analyses: Sequence[Analysis]
) -> GateResult:
    """Judge the findings of several accounts' ``analyses``, each account apart.

    ``outcome`` judged the findings of every analysis; the run fails when
    any account does.
    """
    parts = tuple(
        AccountGate(
            account=Account(a.account_id, a.account_name),
            failing=_failing(
                outcome, gate, frozenset(f.finding_id for f in a.findings)
            ),
            not_assessed=a.not_assessed,
            unassessed=unassessed_of(a),
        )
        for a in analyses
    )
    return GateResult(gate=gate, parts=parts, suppressed=_suppressed(outcome))


def _suppressed(outcome: SuppressionOutcome) -> int:
    return sum(1 for judged in outcome.judged if judged.suppressed)


def _failing(
    outcome: SuppressionOutcome, gate: Gate, gated_ids: frozenset[str] | None
) -> tuple[Finding, ...]:
    return tuple(
        f
        for f in outcome.open
        if gate.reaches(f.severity) and (gated_ids is None or f.finding_id in gated_ids)
    )


# stderr stays readable on a 20,000-member account: a few subjects per check.
SUBJECTS_PER_CHECK = 5
SUBJECT_CHARS = 80
UNASSESSED_LINES = 10


@dataclass(frozen=True)
class Subject:
    """One thing a reason names: a finding, a check, a step or who is at risk."""

    id: str  # a finding id, a check id, "step-3" or "at-risk"
    subject: str  # the finding's subject, the check's or step's title
    reason: str  # the finding's title; why the check or step could not assess


@dataclass(frozen=True)
class ReasonGroup:
    """The subjects of one reason in one account (and, for findings, one check).

    Names the first ``SUBJECTS_PER_CHECK`` of them, as stderr does.
    """

    account: Account
    check_id: str | None  # findings only
    severity: Severity | None  # findings only
    count: int
    subjects: tuple[Subject, ...]

    @property
    def more(self) -> int:
        """How many are counted but not named ("and K more")."""
        return self.count - len(self.subjects)


@dataclass(frozen=True)
class Reason:
    """One thing the gate judged, how many it found and whether it failed the run."""

    reason: str  # FINDINGS, CHECKS_NOT_ASSESSED, ...
    description: str
    counted: bool  # whether it decides this run's verdict (strict ones: --strict)
    groups: tuple[ReasonGroup, ...]

    @property
    def count(self) -> int:
        """Everything found for this reason, in every account."""
        return sum(group.count for group in self.groups)

    @property
    def failed(self) -> bool:
        """Whether this reason fails the run."""
        return self.counted and self.count > 0


def reasons(result: GateResult) -> tuple[Reason, ...]:
    """Every reason the gate judged, failed or not: the verdict explained.

    The run failed exactly when one of them ``failed``.
    """
    strict = result.gate.strict
    return (
        Reason(
            FINDINGS,
            f"open findings at or above {result.gate.fail_on}",
            True,
            tuple(_finding_groups(result)),
        ),
        Reason(
            CHECKS_NOT_ASSESSED,
            "checks that could not assess (fail the run with --strict)",
            strict,
            _groups(result, lambda p: [_check_subject(n) for n in p.not_assessed]),
        ),
        Reason(
            STEPS_NOT_ASSESSED,
            "migration steps that could not assess (fail the run with --strict)",
            strict,
            _groups(result, lambda p: _unassessed_subjects(p, steps=True)),
        ),
        Reason(
            AT_RISK_NOT_ASSESSED,
            "who is at risk could not be assessed (fails the run with --strict)",
            strict,
            _groups(result, lambda p: _unassessed_subjects(p, steps=False)),
        ),
    )


def _by_check(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    return by_check


def _finding_groups(result: GateResult) -> Iterable[ReasonGroup]:
    for part in result.parts:
        for check_id, findings in _by_check(part.failing).items():
            yield ReasonGroup(
                part.account,
                check_id,
                findings[0].severity,
                len(findings),
                tuple(
                    Subject(f.finding_id, f.subject, f.title)
                    for f in findings[:SUBJECTS_PER_CHECK]
                ),
            )


_SubjectsOf = Callable[[AccountGate], list[Subject]]


def _groups(result: GateResult, subjects_of: _SubjectsOf) -> tuple[ReasonGroup, ...]:
    groups = []
    for part in result.parts:
        subjects = subjects_of(part)
        if subjects:
            groups.append(
                ReasonGroup(
                    part.account,
                    None,
                    None,
                    len(subjects),
                    tuple(subjects[:SUBJECTS_PER_CHECK]),
                )
            )
    return tuple(groups)


def _check_subject(check: NotAssessed) -> Subject:
    return Subject(check.check_id, check.title, check.reason)


def _unassessed_subjects(part: AccountGate, *, steps: bool) -> list[Subject]:
    return [
        Subject(u.key if u.step is None else f"step-{u.step}", u.subject, u.reason)
        for u in part.unassessed
        if (u.step is not None) is steps
    ]


def gate_lines(result: GateResult) -> list[str]:
    """The gate's failures for stderr: each failing finding named by its subject.

    A check failing for many subjects prints its first ``SUBJECTS_PER_CHECK``
    and "and K more"; with ``--strict`` each thing not assessed is named too.
    Over several accounts each line starts with the account it is about.
    """
    several = len(result.parts) > 1
    lines: list[str] = []
    for part in result.parts:
        prefix = f"{printable(part.account.label)}: " if several else ""
        lines += [prefix + line for line in _part_lines(part, result.gate.strict)]
    return lines


def _part_lines(part: AccountGate, strict: bool) -> list[str]:
    lines: list[str] = []
    for check_id, findings in _by_check(part.failing).items():
        for finding in findings[:SUBJECTS_PER_CHECK]:
            lines.append(
                f"{finding.severity}: {printable(finding.title)}: "
                f"{_cut(printable(finding.subject))} [{check_id}]"
            )
        if len(findings) > SUBJECTS_PER_CHECK:
            more = len(findings) - SUBJECTS_PER_CHECK
            lines.append(f"{findings[0].severity}: and {more} more [{check_id}]")
    if strict:
        # Steps first: six at most per account, each blocking step 6.
        lines += _capped(
            [f"could not assess: {printable(u.line)}" for u in part.unassessed]
            + [
                f"could not assess: {printable(n.title)} [{n.check_id}]: "
                f"{printable(n.reason)}"
                for n in part.not_assessed
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
