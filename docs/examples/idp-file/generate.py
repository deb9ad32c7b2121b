"""Write the demo organization's Okta side as a generic --idp-file (CSV and JSON).

    .venv/bin/python docs/examples/idp-file/generate.py [OUT_DIR]

writes ``demo-okta.csv`` and ``demo-okta.json`` (default: beside this script),
so the demo runs through a file instead of the Okta API:

    cf-scim-audit collect --account <demo account> --cloudflare-url <emulator> \\
        --idp-file docs/examples/idp-file/demo-okta.csv --out snapshot.zip

Rows, in this order: every Okta user (a user list: no app); per Cloudflare app,
its users, its assigned groups, the groups it pushes, and the members of every
pushed group. The columns are documented in docs/idp-file.md.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reporter.collect.idp_file import CANONICAL_COLUMNS, EXTRA_COLUMNS
from reporter.demo import build_organization
from reporter.demo.org import OktaOrg

COLUMNS = (*CANONICAL_COLUMNS, *EXTRA_COLUMNS)
Json = dict[str, Any]


def demo_rows(okta: OktaOrg) -> list[dict[str, str]]:
    """The generic rows of the demo organization's Okta side, every value text."""
    rows = [_user_row(user, app=None, okta=okta) for user in okta.users]
    for tag, app_id in (("v1", okta.v1_app_id), ("v2", okta.v2_app_id)):
        app = next(a for a in okta.apps if a["id"] == app_id)
        rows.extend(_app_rows(okta, tag, app))
    return rows


def _app_rows(okta: OktaOrg, tag: str, app: Json) -> Iterator[dict[str, str]]:
    on_app = {"app": tag, "app_id": app["id"], "app_label": app["label"]}
    for app_user in okta.app_users.get(app["id"], []):
        user = app_user["_embedded"]["user"]
        row = _user_row(user, app=on_app, okta=okta)
        yield {**row, "assignment_scope": app_user["scope"], "assigned": "true"}
    groups = {g["id"]: g for g in okta.groups}
    mappings = {m["sourceGroupId"]: m for m in okta.push_mappings.get(app["id"], [])}
    assigned = [g["id"] for g in okta.app_groups.get(app["id"], [])]
    for group_id in [*assigned, *(g for g in mappings if g not in assigned)]:
        mapping = mappings.get(group_id)
        target = groups.get(mapping["targetGroupId"]) if mapping else None
        yield _row(
            **on_app,
            idp="okta",
            principal_type="group",
            principal_id=group_id,
            principal_name=groups[group_id]["profile"]["name"],
            group_id=group_id,
            group_name=groups[group_id]["profile"]["name"],
            pushed=_pushed(mapping),
            push_target_name=target["profile"]["name"] if target else "",
            push_error=(mapping or {}).get("errorSummary") or "",
            assigned="true" if group_id in assigned else "false",
        )
    for group_id in mappings:
        for member in okta.group_members.get(group_id, []):
            yield {
                **_user_row(member, app=None, okta=okta),
                "group_id": group_id,
                "group_name": groups[group_id]["profile"]["name"],
            }


def _pushed(mapping: Json | None) -> str:
    """true, false, or error when Okta stopped pushing the group."""
    if mapping is None:
        return "false"
    return "error" if mapping.get("status") == "ERROR" else "true"


def _user_row(user: Json, *, app: Json | None, okta: OktaOrg) -> dict[str, str]:
    profile = user.get("profile", {})
    name = " ".join(p for p in (profile.get("firstName"), profile.get("lastName")) if p)
    return _row(
        **(app or {}),
        idp="okta",
        principal_type="user",
        principal_id=user["id"],
        principal_name=name,
        user_login=profile.get("login") or "",
        user_email=profile.get("email") or "",
        user_status=user.get("status") or "",
    )


def _row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in COLUMNS}


def write_examples(out_dir: Path, *, seed: int = 2026) -> list[Path]:
    """Write demo-okta.csv and demo-okta.json into ``out_dir``."""
    rows = demo_rows(build_organization(seed=seed).okta)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out_dir / "demo-okta.csv", out_dir / "demo-okta.json"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    text = json.dumps({"rows": rows}, ensure_ascii=False, indent=1)
    json_path.write_text(text + "\n", encoding="utf-8")
    return [csv_path, json_path]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for path in write_examples(target):
        print(path)
