"""``analyze(snapshot) -> Analysis``: the one entry point of this stage."""

from __future__ import annotations

import logging

from reporter.analyze.checks import run_checks
from reporter.analyze.facts import Facts, build_facts
from reporter.analyze.inputs import text
from reporter.analyze.model import Analysis, Grant, Source
from reporter.analyze.steps import assess_steps, verdict
from reporter.snapshot import layout
from reporter.snapshot.model import Snapshot

log = logging.getLogger(__name__)


def analyze(snapshot: Snapshot) -> Analysis:
    """Compute grants, findings, step statuses and the verdict of ``snapshot``."""
    facts = build_facts(snapshot)
    account_id = snapshot.manifest.account_id
    findings, not_assessed = run_checks(facts, account_id)
    analysis = Analysis(
        account_id=account_id,
        account_name=text(facts.inputs.mapping(layout.CF_ACCOUNT), "name"),
        collected_at=snapshot.manifest.finished_at,
        tool_version=snapshot.manifest.tool_version,
        snapshot_sha256=snapshot.sha256,
        members=facts.members,
        virtual_groups=facts.virtual_groups,
        user_groups=facts.user_groups,
        findings=findings,
        not_assessed=not_assessed,
        steps=assess_steps(facts),
        verdict=verdict(facts),
        unmapped_roles=_unmapped_roles(facts),
    )
    log.info(
        "analysed %d members: %d findings, %d not assessed, %d at risk",
        len(analysis.members),
        len(findings),
        len(not_assessed),
        len(analysis.members_at_risk),
    )
    return analysis


def _unmapped_roles(facts: Facts) -> tuple[str, ...]:
    # Without the permission groups every role would look unmapped.
    if not facts.inputs.has(layout.CF_PERMISSION_GROUPS):
        return ()
    return tuple(
        sorted(
            {g.source_name for m in facts.members for g in m.grants if _is_unmapped(g)}
        )
    )


def _is_unmapped(grant: Grant) -> bool:
    return grant.source is Source.LEGACY_ROLE and grant.permission_group_id is None
