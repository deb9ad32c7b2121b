"""What each stage is compared with: the SDK, json.loads and pandas.to_excel."""

from __future__ import annotations

import gc
import io
import json
import time
import zipfile
from pathlib import Path

import cloudflare
import pandas as pd

from reporter.render import Report
from reporter.render.xlsx import sheets
from reporter.snapshot.layout import MANIFEST

# The official SDK has no dashboard SCIM and no Okta, so the baseline pages the
# Cloudflare IAM endpoints it does cover.
SDK_ENDPOINTS = (
    "members",
    "roles",
    "iam/permission_groups",
    "iam/resource_groups",
    "iam/user_groups",
    "iam/user_groups/{id}/members",
)


def sdk_collect(base_url: str, token: str, account_id: str) -> tuple[float, int]:
    """Seconds to page ``SDK_ENDPOINTS`` one request at a time; items read."""
    client = cloudflare.Cloudflare(api_token=token, base_url=base_url)
    started = time.perf_counter()
    items = len(list(client.accounts.members.list(account_id=account_id, per_page=50)))
    items += len(list(client.accounts.roles.list(account_id=account_id, per_page=50)))
    items += len(
        list(client.iam.permission_groups.list(account_id=account_id, per_page=50))
    )
    items += len(list(client.iam.resource_groups.list(account_id=account_id)))
    groups = list(client.iam.user_groups.list(account_id=account_id, per_page=500))
    items += len(groups)
    for group in groups:
        members = client.iam.user_groups.members.list(
            group.id, account_id=account_id, per_page=500
        )
        items += len(list(members))
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed, items


def json_parse_seconds(snapshot: Path, *, collector_paused: bool = False) -> float:
    """Seconds ``json.loads`` takes over the snapshot's data entries alone.

    With ``collector_paused`` the cyclic garbage collector is off while it
    parses, as it is while our reader parses (reporter/snapshot/gc_pause.py).
    """
    with zipfile.ZipFile(snapshot) as archive:
        blobs = [archive.read(n) for n in archive.namelist() if n != MANIFEST]
    was_enabled = gc.isenabled()
    if collector_paused:
        gc.disable()
    try:
        started = time.perf_counter()
        for blob in blobs:
            json.loads(blob)
        return time.perf_counter() - started
    finally:
        if was_enabled:
            gc.enable()


def to_excel_seconds(report: Report) -> float:
    """Seconds ``DataFrame.to_excel`` (openpyxl) takes to write the same sheets."""
    frames = {
        sheet.title: pd.DataFrame(
            [record.values for record in sheet.records],
            columns=[column.header for column in sheet.columns],
        )
        for sheet in sheets(report)
    }
    started = time.perf_counter()
    with pd.ExcelWriter(io.BytesIO(), engine="openpyxl") as writer:
        for title, frame in frames.items():
            frame.to_excel(writer, sheet_name=title, index=False)
    return time.perf_counter() - started
