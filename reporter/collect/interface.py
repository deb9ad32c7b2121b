"""The collection stage's interface: a config in, an unwritten Snapshot out."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from reporter import __version__
from reporter.collect.cloudflare import collect_cloudflare
from reporter.collect.evidence import Evidence
from reporter.collect.http import ApiSession, Progress, Sleep
from reporter.collect.okta import collect_okta
from reporter.errors import ConfigError
from reporter.snapshot.layout import FORMAT_VERSION
from reporter.snapshot.model import Manifest, RequestRecord, Snapshot

ACCOUNT_ID = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class PageSizes:
    """Items asked per page; defaults are each endpoint's documented maximum."""

    cf_members: int = 50
    cf_roles: int = 50
    cf_permission_groups: int = 50
    cf_user_groups: int = 500
    cf_user_group_members: int = 500
    scim: int = 100
    okta_app_users: int = 500
    okta_app_groups: int = 200
    okta_push_mappings: int = 1000
    okta_groups: int = 200
    okta_group_members: int = 200
    okta_users: int = 200


@dataclass(frozen=True)
class CollectConfig:
    """What to collect and from where; the tokens stay with the caller's clients.

    An empty or None Okta app id means that app is not known (its entry holds
    null); the CLI sets them with ``--okta-v1-app`` and ``--okta-v2-app``.
    """

    account_id: str
    cloudflare_url: str
    okta_url: str | None = None
    okta_v1_app_id: str | None = None
    okta_v2_app_id: str | None = None
    page_sizes: PageSizes = field(default_factory=PageSizes)
    max_pages: int = 1000


def collect_snapshot(
    config: CollectConfig,
    cloudflare: httpx.Client,
    okta: httpx.Client | None,
    *,
    clock: Callable[[], datetime],
    progress: Progress | None = None,
    sleep: Sleep = time.sleep,
) -> Snapshot:
    """Collect Cloudflare (and Okta when a client is given) into an unwritten Snapshot.

    ``progress(entry, pages)`` is called after each page received with the pages
    read so far for that entry; ``sleep`` is what waits between retries.
    """
    _validate(config, okta)
    started = _utc(clock())
    evidence = Evidence()
    records: list[RequestRecord] = []
    collect_cloudflare(
        ApiSession(cloudflare, records=records, sleep=sleep, progress=progress),
        evidence,
        config,
    )
    if okta is not None:
        collect_okta(
            ApiSession(okta, records=records, sleep=sleep, progress=progress),
            evidence,
            config,
        )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        tool_version=__version__,
        started_at=started,
        finished_at=_utc(clock()),
        account_id=config.account_id,
        sources=_sources(config, okta),
        settings=_settings(config),
        endpoints=tuple(evidence.endpoints),
        requests=tuple(records),
    )
    return Snapshot(manifest=manifest, entries=evidence.entries)


def _validate(config: CollectConfig, okta: httpx.Client | None) -> None:
    if not ACCOUNT_ID.fullmatch(config.account_id):
        raise ConfigError(
            f"{config.account_id!r} is not a Cloudflare account id",
            hint="pass --account with the 32 hex characters from the dashboard URL",
        )
    if okta is not None and not config.okta_url:
        raise ConfigError(
            "an Okta client was given without okta_url", hint="pass --okta-url"
        )


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"the clock returned a naive datetime: {moment!r}")
    return moment.astimezone(UTC).isoformat()


def _sources(config: CollectConfig, okta: httpx.Client | None) -> dict[str, str]:
    sources = {"cloudflare": config.cloudflare_url}
    if okta is not None and config.okta_url:
        sources["okta"] = config.okta_url
    return sources


def _settings(config: CollectConfig) -> dict[str, str]:
    apps = {
        "okta_v1_app_id": config.okta_v1_app_id,
        "okta_v2_app_id": config.okta_v2_app_id,
    }
    return {name: value for name, value in apps.items() if value}
