"""The collection stage's interface: a config in, an unwritten Snapshot out."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from reporter import __version__
from reporter.collect.cloudflare import collect_cloudflare
from reporter.collect.entra import collect_entra
from reporter.collect.evidence import Evidence
from reporter.collect.http import (
    CLOUDFLARE_URL_OPTION,
    CONCURRENCY,
    GRAPH_URL_OPTION,
    OKTA_URL_OPTION,
    ApiSession,
    Progress,
    Sleep,
    check_base_url,
)
from reporter.collect.idp_file import IdpFile, add_idp_file, refuse_with_idp_api
from reporter.collect.limiter import RateLimit, RateLimiter, VirtualTime
from reporter.collect.okta import OKTA_RATE_LIMIT, collect_okta
from reporter.collect.partial import PartialState, SavedEntry
from reporter.errors import ConfigError, may_be_secret, unshown
from reporter.snapshot import layout
from reporter.snapshot.gc_pause import gc_paused
from reporter.snapshot.layout import FORMAT_VERSION
from reporter.snapshot.model import EndpointRecord, Manifest, RequestRecord, Snapshot

ACCOUNT_ID = re.compile(r"[0-9a-fA-F]{32}")
LAYOUT_ORDER = (
    *layout.CLOUDFLARE_ENTRIES,
    layout.CF_AUDIT_LOGS,
    *layout.OKTA_ENTRIES,
    *layout.ENTRA_ENTRIES,
    *layout.IDP_FILE_ENTRIES,
)


@dataclass(frozen=True)
class PageSizes:
    """Items asked per page; defaults are each endpoint's documented maximum."""

    cf_members: int = 50
    cf_roles: int = 50
    cf_permission_groups: int = 50
    cf_user_groups: int = 500
    cf_user_group_members: int = 500
    # Audit Logs v2: 100 is the documented default; no maximum is stated (§3).
    cf_audit_logs: int = 100
    scim: int = 100
    okta_app_users: int = 500
    okta_app_groups: int = 200
    okta_push_mappings: int = 1000
    okta_groups: int = 200
    # idp-apis.md §2.2: the list's default is 1000, and its advice is 200.
    okta_group_members: int = 200
    okta_users: int = 200
    # Graph $top: 999 is the documented maximum of these lists (§3.3).
    entra_assignments: int = 999
    entra_groups: int = 999
    entra_members: int = 999


DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?")


@dataclass(frozen=True)
class AuditWindow:
    """The Audit Logs v2 window: ``since`` and ``before`` are both required (§3).

    Each is ``yyyy-mm-dd`` (UTC) or an RFC 3339 timestamp.
    """

    since: str
    before: str

    def __post_init__(self) -> None:
        since = audit_instant("since", self.since)
        before = audit_instant("before", self.before)
        if since >= before:
            raise ConfigError(
                f"the audit window is empty: since {self.since} is not before "
                f"{self.before}",
                hint="pass an --audit-since earlier than --audit-before (which "
                "defaults to now)",
            )


def audit_instant(name: str, value: str) -> datetime:
    """``value`` as a UTC instant: a real date or an RFC 3339 timestamp.

    A date is its midnight UTC; a timestamp without a zone is read as UTC.
    """
    option = f"--audit-{name}"
    if not DATE.fullmatch(value):
        raise ConfigError(
            f"{option} {value!r} is not a date",
            hint=f"pass {option} as yyyy-mm-dd or an RFC 3339 timestamp",
        )
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(
            f"{option} {value!r} is not a real date ({exc})",
            hint=f"pass {option} as an existing yyyy-mm-dd, e.g. 2026-02-28",
        ) from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


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
    concurrency: int = CONCURRENCY
    rate_limit: RateLimit = field(default_factory=RateLimit)
    audit_since: AuditWindow | None = None
    # Microsoft Graph base URL and the service principal (object) ids of the
    # v1 and v2 enterprise apps; Entra is collected when a Graph client is given.
    graph_url: str | None = None
    entra_v1_sp: str | None = None
    entra_v2_sp: str | None = None
    # --idp-file: assignments read from a file instead of an IdP API, read by
    # the caller (read_idp_file) so a bad file fails before anything starts.
    idp_file: IdpFile | None = None


def collect_snapshot(
    config: CollectConfig,
    cloudflare: httpx.Client,
    okta: httpx.Client | None,
    *,
    clock: Callable[[], datetime],
    progress: Progress | None = None,
    sleep: Sleep = time.sleep,
    limiter: RateLimiter | None = None,
    state: PartialState | None = None,
    graph: httpx.Client | None = None,
) -> Snapshot:
    """Collect Cloudflare (and Okta, Entra when a client is given) into a Snapshot.

    ``progress(entry, pages, expected)`` is called after each page received;
    ``sleep`` is what waits between retries. Cloudflare requests go through
    ``limiter`` (by default one enforcing ``config.rate_limit``; when ``sleep``
    is not ``time.sleep``, on a virtual clock that ``sleep`` advances). With a
    ``state``, finished entries are saved there and earlier ones reused.
    """
    _validate(config, okta, graph)
    refuse_with_idp_api(config.idp_file, api_idp=okta is not None or graph is not None)
    # Cloudflare account ids are lower-case hex: the manifest keeps them so.
    config = replace(config, account_id=config.account_id.lower())
    started = _utc(clock())
    first_start = started if state is None else state.first_start(started)
    records: list[RequestRecord] = []
    evidence = Evidence(state, records)
    okta_limiter = _okta_limiter(sleep)
    if sleep is not time.sleep and limiter is None:
        virtual = VirtualTime(sleep)
        sleep = virtual.sleep
        limiter = RateLimiter(
            config.rate_limit, clock=virtual.monotonic, sleep=virtual.advance
        )
    cf_session = ApiSession(
        cloudflare,
        records=records,
        sleep=sleep,
        progress=progress,
        limiter=limiter or RateLimiter(config.rate_limit),
        concurrency=config.concurrency,
    )
    # The IdP is another server with its own limits: it is read on a thread of
    # its own while Cloudflare is, into its own evidence, merged after it.
    idp_records: list[RequestRecord] = []
    saver = ThreadPoolExecutor(1, thread_name_prefix="collect-save")
    idp_state = None if state is None else _SavedAside(state, saver)
    idp_evidence = Evidence(idp_state, idp_records)
    idp_jobs: list[tuple[ApiSession, IdpCollector]] = []
    if okta is not None:
        okta_session = ApiSession(
            okta,
            records=idp_records,
            sleep=sleep,
            progress=progress,
            limiter=okta_limiter,
            concurrency=1,
        )
        idp_jobs.append((okta_session, collect_okta))
    if graph is not None:
        graph_session = ApiSession(
            graph, records=idp_records, sleep=sleep, progress=progress
        )
        idp_jobs.append((graph_session, collect_entra))
    sessions = [cf_session, *(session for session, _ in idp_jobs)]
    # Leaving ``saver`` waits for its saves, so even a failed or interrupted
    # collection keeps every entry it finished for --resume.
    with (
        # Process-wide, so paused once for both threads: each side's parsed
        # pages would otherwise make full collections that stall the other
        # mid-request (1.7 to 2.1 s of the Okta thread's time on L); what
        # they read lives as long as the snapshot (long_lived).
        gc_paused(long_lived=True),
        saver,
        ThreadPoolExecutor(1, thread_name_prefix="collect-idp") as pool,
    ):
        try:
            idp = pool.submit(_collect_idps, idp_jobs, idp_evidence, config)
            collect_cloudflare(cf_session, evidence, config)
            idp.result()
            if idp_state is not None:
                idp_state.wait()
        except BaseException:
            # Threads still fetching stop at their next request.
            for session in sessions:
                session.abort()
            raise
    _merge(evidence, idp_evidence)
    add_idp_file(evidence, config.idp_file)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        tool_version=__version__,
        started_at=first_start,
        finished_at=_utc(clock()),
        account_id=config.account_id,
        sources=_sources(config, okta, graph),
        settings=_settings(config, evidence.restored, evidence.entries),
        endpoints=_in_layout_order(evidence.endpoints),
        requests=tuple(records),
        resumed_at=None if first_start == started else started,
    )
    return Snapshot(manifest=manifest, entries=evidence.entries)


IdpCollector = Callable[[ApiSession, Evidence, CollectConfig], None]


def _collect_idps(
    jobs: list[tuple[ApiSession, IdpCollector]],
    evidence: Evidence,
    config: CollectConfig,
) -> None:
    """Collect each IdP in turn (Okta, then Entra) into ``evidence``."""
    for session, collect in jobs:
        collect(session, evidence, config)


class _SavedAside(PartialState):
    """The partial state of ``state``, saving each entry on ``pool``'s thread.

    The IdP is read one request at a time: encoding and writing an entry of
    tens of thousands of users between two of its requests holds the next one
    back (L: 0.4 to 0.8 s each), while aside it overlaps the next requests.
    """

    def __init__(self, state: PartialState, pool: ThreadPoolExecutor) -> None:
        super().__init__(state.directory, state.key)
        self._pool = pool
        self._saving: list[Future[None]] = []
        # What an earlier run left: the only entries a load can find, as this
        # run loads an entry before fetching it and saves it once, after.
        self._earlier = {path.name for path in state.directory.glob("*")}

    def load(self, entry: str) -> SavedEntry | None:
        """The earlier run's ``entry``; no disk access for one it did not save.

        A look at the disk would wait behind the saves writing there.
        """
        if self._path(entry).name not in self._earlier:
            return None
        return super().load(entry)

    def save(
        self,
        entry: str,
        data: Any,
        record: EndpointRecord,
        requests: Sequence[RequestRecord],
    ) -> None:
        """Queue the save; ``data`` is never changed once its entry is fetched."""
        saving = self._pool.submit(super().save, entry, data, record, list(requests))
        self._saving.append(saving)

    def wait(self) -> None:
        """Return once every queued save is written; raise the first one's error."""
        for saving in self._saving:
            saving.result()


def _merge(evidence: Evidence, idp: Evidence) -> None:
    """The IdP's entries and requests after Cloudflare's, as when read in turn."""
    evidence.entries.update(idp.entries)
    evidence.endpoints.extend(idp.endpoints)
    evidence.records.extend(idp.records)
    evidence.restored.extend(idp.restored)


def _okta_limiter(sleep: Sleep) -> RateLimiter:
    """Okta's pacing: serial, slower when Remaining is low (idp-apis.md §2.3).

    On a virtual clock when ``sleep`` is not the real one, so tests never wait.
    """
    if sleep is time.sleep:
        return RateLimiter(OKTA_RATE_LIMIT)
    virtual = VirtualTime(sleep)
    return RateLimiter(OKTA_RATE_LIMIT, clock=virtual.monotonic, sleep=virtual.advance)


def _in_layout_order(records: list[EndpointRecord]) -> tuple[EndpointRecord, ...]:
    """Endpoint records in the layout's order, whatever order they finished in."""
    order = {entry: n for n, entry in enumerate(LAYOUT_ORDER)}
    return tuple(sorted(records, key=lambda r: order.get(r.entry, len(order))))


def check_account_id(given: str) -> None:
    """A ConfigError unless ``given`` is 32 hex characters; it names the value
    as typed, or by its length when it looks like a pasted token."""
    if ACCOUNT_ID.fullmatch(given):
        return
    # One character off is a mistyped id and shown; Cloudflare's Global API
    # Key (37 hex) and tokens (40) are not.
    near = abs(len(given) - 32) <= 1
    shown = repr(given) if near or not may_be_secret(given) else unshown(given)
    raise ConfigError(
        f"{shown} is not a Cloudflare account id",
        hint="pass --account with the 32 hex characters from the dashboard URL",
    )


def _validate(
    config: CollectConfig, okta: httpx.Client | None, graph: httpx.Client | None
) -> None:
    check_account_id(config.account_id)
    if okta is not None and not config.okta_url:
        raise ConfigError(
            "an Okta client was given without okta_url", hint="pass --okta-url"
        )
    # The manifest's sources are these URLs: a password must never reach it.
    check_base_url(config.cloudflare_url, CLOUDFLARE_URL_OPTION)
    if config.okta_url:
        check_base_url(config.okta_url, OKTA_URL_OPTION)
    if graph is not None and not config.graph_url:
        raise ConfigError(
            "a Graph client was given without graph_url", hint="pass --graph-url"
        )
    if config.graph_url:
        check_base_url(config.graph_url, GRAPH_URL_OPTION)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"the clock returned a naive datetime: {moment!r}")
    return moment.astimezone(UTC).isoformat()


def _sources(
    config: CollectConfig, okta: httpx.Client | None, graph: httpx.Client | None
) -> dict[str, str]:
    sources = {"cloudflare": config.cloudflare_url}
    if okta is not None and config.okta_url:
        sources["okta"] = config.okta_url
    if graph is not None and config.graph_url:
        sources["entra"] = config.graph_url
    if config.idp_file is not None:
        sources["idp_file"] = config.idp_file.name
    return sources


def _settings(
    config: CollectConfig, restored: list[str], entries: Mapping[str, Any]
) -> dict[str, str]:
    apps = {
        "okta_v1_app_id": config.okta_v1_app_id,
        "okta_v2_app_id": config.okta_v2_app_id,
        "entra_v1_sp": config.entra_v1_sp,
        "entra_v2_sp": config.entra_v2_sp,
    }
    settings = {name: value for name, value in apps.items() if value}
    # An Okta app given by its label: the setting is the id it was found under,
    # and the label as given is kept beside it.
    located = entries.get(layout.OKTA_APPS)
    for key in ("v1", "v2"):
        given = settings.get(f"okta_{key}_app_id")
        app = located.get(key) if isinstance(located, dict) else None
        found = app.get("id") if isinstance(app, dict) else None
        if given and isinstance(found, str) and found != given:
            settings[f"okta_{key}_app_id"] = found
            settings[f"okta_{key}_app_label"] = given
    limit = config.rate_limit
    settings["concurrency"] = str(config.concurrency)
    settings["rate_limit"] = f"{limit.requests} requests per {limit.window:g} s"
    if config.audit_since is not None:
        window = config.audit_since
        settings["audit_window"] = f"{window.since} to {window.before}"
    if restored:
        settings["resumed_entries"] = ", ".join(restored)
    return settings
