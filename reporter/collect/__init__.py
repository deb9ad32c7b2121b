"""Collectors: Cloudflare (v4 IAM and dashboard SCIM) and Okta, into a Snapshot."""

from reporter.collect.http import cloudflare_client, okta_client
from reporter.collect.interface import CollectConfig, PageSizes, collect_snapshot

__all__ = [
    "CollectConfig",
    "PageSizes",
    "cloudflare_client",
    "collect_snapshot",
    "okta_client",
]
