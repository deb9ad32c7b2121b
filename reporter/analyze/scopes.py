"""Resource group scopes as grants show them (``cloudflare-api.md`` §5, §7)."""

from __future__ import annotations

from typing import Any

from reporter.analyze.model import Scope

ACCOUNT_PREFIX = "com.cloudflare.api.account."
ZONE_PREFIX = "com.cloudflare.api.account.zone."
_ALL = "*"


def account_scope(account_id: str) -> Scope:
    """The whole audited account: what a legacy role or virtual group grants."""
    return Scope(
        key=f"{ACCOUNT_PREFIX}{account_id}",
        objects=(_ALL,),
        kind="account",
        label="whole account",
    )


def parse_scope(raw: Any, account_id: str) -> Scope:
    """The :class:`Scope` of one resource group's ``scope`` object."""
    if not isinstance(raw, dict):
        return Scope(key="", objects=(), kind="other", label="unreadable scope")
    key = raw["key"] if isinstance(raw.get("key"), str) else ""
    objects = tuple(
        sorted(
            str(o.get("key"))
            for o in raw.get("objects") or []
            if isinstance(o, dict) and o.get("key")
        )
    )
    return Scope(key=key, objects=objects, **_classify(key, objects, account_id))


def _classify(key: str, objects: tuple[str, ...], account_id: str) -> dict[str, str]:
    own_account = key.casefold() == f"{ACCOUNT_PREFIX}{account_id}".casefold()
    if own_account and objects == (_ALL,):
        return {"kind": "account", "label": "whole account"}
    if own_account and objects and all(o.startswith(ZONE_PREFIX) for o in objects):
        zones = ", ".join(_short(o.removeprefix(ZONE_PREFIX)) for o in objects)
        noun = "zone" if len(objects) == 1 else "zones"
        return {"kind": "zone", "label": f"{noun} {zones}"}
    if key.startswith(ACCOUNT_PREFIX) and not own_account and objects == (_ALL,):
        return {"kind": "other", "label": f"account {key.removeprefix(ACCOUNT_PREFIX)}"}
    return {"kind": "other", "label": f"{key} ({', '.join(objects) or 'no objects'})"}


def _short(identifier: str) -> str:
    return identifier if len(identifier) <= 8 else f"{identifier[:8]}…"
