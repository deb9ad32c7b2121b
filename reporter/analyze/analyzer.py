"""``analyze(snapshot) -> Analysis``: the one entry point of this stage."""

from __future__ import annotations

import logging

from reporter.analyze.checks import AT_RISK_INPUTS, run_checks
from reporter.analyze.directory import Assignment, Coverage
from reporter.analyze.facts import Facts, build_facts
from reporter.analyze.identity import email_key
from reporter.analyze.inputs import text
from reporter.analyze.model import Analysis, Evidence, Grant, IdpAssignment, Source
from reporter.analyze.steps import assess_steps, verdict
from reporter.snapshot import layout
from reporter.snapshot.gc_pause import gc_paused
from reporter.snapshot.model import Snapshot

log = logging.getLogger(__name__)


def analyze(snapshot: Snapshot) -> Analysis:
    """Compute grants, findings, step statuses and the verdict of ``snapshot``."""
    with gc_paused(long_lived=True):
        return _analyze(snapshot)


def _analyze(snapshot: Snapshot) -> Analysis:
    facts = build_facts(snapshot)
    account_id = snapshot.manifest.account_id
    findings, not_assessed = run_checks(facts, account_id)
    steps = assess_steps(facts)
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
        steps=steps,
        verdict=verdict(facts, steps),
        unmapped_roles=_unmapped_roles(facts),
        evidence=_evidence(snapshot),
        idp_assignments=_idp_assignments(facts),
        at_risk_assessed=not facts.inputs.missing(AT_RISK_INPUTS),
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


def _evidence(snapshot: Snapshot) -> Evidence:
    manifest = snapshot.manifest
    return Evidence(
        started_at=manifest.started_at,
        finished_at=manifest.finished_at,
        sources=tuple(sorted(manifest.sources.items())),
        settings=tuple(sorted(manifest.settings.items())),
        endpoints=manifest.endpoints,
        requests=manifest.requests,
        files=tuple(sorted(manifest.files.items())),
        resumed_at=manifest.resumed_at,
    )


def _idp_assignments(facts: Facts) -> tuple[IdpAssignment, ...]:
    directory = facts.directory
    by_key = {email_key(m.email): m.member_id for m in facts.members}
    by_user = facts.member_by_idp_user
    coverage = _coverage_by_user(directory.assignments)
    rows: list[tuple[tuple[str, str, str], IdpAssignment]] = []
    for a in directory.assignments:
        key = email_key(a.login)
        row = IdpAssignment(
            idp=directory.idp,
            app=a.app,
            app_label=directory.apps[a.app].label if a.app in directory.apps else "",
            login=a.login,
            scope="GROUP" if a.via_group else "USER",
            assignment_status=a.status,
            user_status=a.user_status,
            member_id=by_key.get(key) or by_user.get(a.user_id),
            coverage=coverage.get(a.user_id, ""),
            group=a.group_name,
        )
        rows.append(((key, a.app, a.group_name), row))
    # By login key, app and group; the key of each login worked out once.
    return tuple(row for _, row in sorted(rows, key=lambda pair: pair[0]))


def _coverage_by_user(assignments: tuple[Assignment, ...]) -> dict[str, str]:
    apps: dict[str, set[str]] = {}
    for assignment in assignments:
        apps.setdefault(assignment.user_id, set()).add(assignment.app)
    names = {"v1": Coverage.V1, "v2": Coverage.V2}
    return {
        user: str(Coverage.BOTH if len(tags) > 1 else names[next(iter(tags))])
        for user, tags in apps.items()
    }


def _is_unmapped(grant: Grant) -> bool:
    return grant.source is Source.LEGACY_ROLE and grant.permission_group_id is None
