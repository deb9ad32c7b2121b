"""The command line: parses options, reads secrets from the environment, wires stages.

Report paths go to stdout; progress, warnings and errors go to stderr. Every
error this tool raises on purpose is caught here once and printed as one line.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)

from reporter import __version__
from reporter.analyze import analyze
from reporter.analyze.model import Severity
from reporter.audit import (
    Judging,
    RunOutcome,
    parse_formats,
    run_accounts_report,
    run_check,
    run_diff,
    run_report,
    snapshot_paths,
)
from reporter.collect import CollectConfig
from reporter.collect.entra import (
    GRAPH_URL,
    TokenCredential,
    client_secret_credential,
    settings_from_env,
)
from reporter.collect.http import (
    CLOUDFLARE_URL_OPTION,
    CONCURRENCY,
    GRAPH_URL_OPTION,
    OKTA_URL_OPTION,
    check_base_url,
)
from reporter.collect.idp_file import FileOptions, IdpFile, read_idp_file
from reporter.collect.interface import AuditWindow, audit_instant, check_account_id
from reporter.collect.limiter import RateLimit
from reporter.collect.okta_auth import ServiceApp, okta_credential
from reporter.collect.partial import partial_dir
from reporter.console import INTERRUPTED_EXIT
from reporter.demo.generator import MIN_SIZE
from reporter.errors import ConfigError, ReporterError, without_secrets
from reporter.gate import Gate, gate_lines, unassessed_of
from reporter.pipeline import (
    ALL_FORMATS,
    Tokens,
    collect_to_file,
    refuse_existing,
    run_demo,
    token_accounts,
    utc_now,
)
from reporter.render.redact import REDACTION_KEY
from reporter.snapshot import read_snapshot
from reporter.snapshot.io import check_writable
from reporter.snapshot.summary import summary_lines
from reporter.suppress import load_suppressions
from reporter.terminal import TerminalFormatter, for_terminal

CLOUDFLARE_TOKEN_ENV = "CLOUDFLARE_API_TOKEN"  # noqa: S105 (a variable name)
OKTA_TOKEN_ENV = "OKTA_API_TOKEN"  # noqa: S105 (a variable name)
DEFAULT_CLOUDFLARE_URL = "https://api.cloudflare.com/client/v4"

app = typer.Typer(
    name="cf-scim-audit",
    no_args_is_help=True,
    add_completion=False,
    help="Audit a Cloudflare account's move off SCIM v1 virtual groups.",
)
_stderr = Console(stderr=True)
T = TypeVar("T")

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log every HTTP exchange to stderr.")
]
# report, diff and verify read files only: there is no HTTP to log.
OfflineVerbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log details and warnings to stderr.")
]
DEFAULT_FORMATS = ",".join(ALL_FORMATS)
Formats = Annotated[
    str, typer.Option("--format", help="Comma-separated: html,pdf,xlsx,json.")
]
Suppressions = Annotated[
    Path | None,
    typer.Option("--suppressions", help="TOML file of accepted risks (README)."),
]
FailOn = Annotated[
    Severity,
    typer.Option(help="Exit 3 when an open finding is at or above this severity."),
]
Strict = Annotated[
    bool, typer.Option("--strict", help="Exit 3 too when a check could not assess.")
]
ReportForce = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace the reports an earlier run wrote into --out."
    ),
]


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, handlers=[handler]
    )
    # Every exchange has our own line (reporter.collect.http, credentials
    # scrubbed); httpx's INFO line for it would print each request twice.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _run(action: Callable[[], T], *, interrupted: Callable[[], str] = str) -> T:
    """Run ``action``; turn a ReporterError into one stderr line and its exit code.

    Ctrl-C ends it with one line saying so (and ``interrupted()``, what was
    kept, asked once the run has stopped) and exit 130, not a traceback or
    silence.
    """
    try:
        return action()
    except ReporterError as exc:
        _warn(f"error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        line = "interrupted: stopped at Ctrl-C before the end; no output was finished"
        kept = interrupted()
        _warn(line + (f"; {kept}" if kept else ""))
        raise typer.Exit(INTERRUPTED_EXIT) from None


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress display on stderr, off with --quiet or when stderr is no TTY."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    tasks: dict[str, TaskID] = {}
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
    )
    with Progress(*columns, console=_stderr, transient=True) as bar:

        def update(entry: str, count: int, known: int) -> None:
            if entry not in tasks:
                tasks[entry] = bar.add_task(entry, total=known)
            bar.update(tasks[entry], completed=count, total=known)

        yield update


def _tokens(okta_url: str | None) -> Tokens:
    """The Cloudflare token and, with --okta-url, exactly one Okta credential."""
    cloudflare = _secret(CLOUDFLARE_TOKEN_ENV, "Account Settings Read")
    if not okta_url:
        return Tokens(cloudflare=cloudflare)
    credential = okta_credential(os.environ)
    if isinstance(credential, ServiceApp):
        return Tokens(cloudflare=cloudflare, okta_app=credential)
    return Tokens(cloudflare=cloudflare, okta=credential)


def _secret(name: str, needed_for: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"{name} is not set",
            hint=f"export {name} with a token that has {needed_for}",
        )
    return value


def _say(line: str) -> None:
    """``line`` on stdout; a stdout that cannot take it (a full disk, a closed
    pipe) is one error line and exit 1, not a traceback."""
    try:
        typer.echo(line)
    except OSError as exc:
        # Python flushes stdout again at exit: let that go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not isinstance(exc, BrokenPipeError):  # `| head` stopped reading: quiet
            _warn(f"error: cannot write to standard output ({exc.strerror or exc})")
        raise typer.Exit(1) from None


def _print_paths(paths: list[Path]) -> None:
    for path in paths:
        _say(for_terminal(str(path)))


# Where to collect from: shared by 'collect' and 'check'.
CloudflareUrl = Annotated[str, typer.Option(help="Cloudflare API base URL.")]
OktaUrl = Annotated[
    str | None, typer.Option(help="Okta org URL, e.g. https://example.okta.com.")
]
OktaV1App = Annotated[
    str | None,
    typer.Option(help="The legacy v1 SCIM app in Okta: its id (0oa...) or label."),
]
OktaV2App = Annotated[
    str | None,
    typer.Option(help="The 'Cloudflare Dashboard' app in Okta: its id or label."),
]
IdpFileOption = Annotated[
    Path | None,
    typer.Option(
        "--idp-file", help="CSV or JSON IdP assignments instead of an IdP API."
    ),
]
IdpFileGroup = Annotated[
    str | None,
    typer.Option(help="The group an Entra 'Download members' file lists."),
]
IdpFileApp = Annotated[
    str | None,
    typer.Option(
        help="v1 or v2: the Cloudflare app the whole --idp-file is about; "
        "required when its rows name an app by label only (Okta's reports)."
    ),
]
GraphUrl = Annotated[
    str | None,
    typer.Option(help=f"Microsoft Graph base URL (default {GRAPH_URL})."),
]
EntraV1Sp = Annotated[
    str | None,
    typer.Option(
        help="Object id of the v1 SCIM enterprise app's service principal; "
        "collects Entra ID (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)."
    ),
]
EntraV2Sp = Annotated[
    str | None,
    typer.Option(help="Object id of the 'Cloudflare Dashboard' service principal."),
]
# How to collect: shared by 'collect' and 'check' too.
AuditSince = Annotated[
    str | None,
    typer.Option(help="Also collect Audit Logs v2 from this date (yyyy-mm-dd)."),
]
AuditBefore = Annotated[
    str | None, typer.Option(help="End of the audit window (default: now).")
]
Concurrency = Annotated[
    int, typer.Option(min=1, max=32, help="Requests in flight at once.")
]
RateLimitOption = Annotated[
    int, typer.Option(min=1, help="Cloudflare requests allowed per 5 minutes.")
]
DEFAULT_RATE_LIMIT = RateLimit().requests


@dataclass(frozen=True)
class CollectOptions:
    """The values of the options 'collect' and 'check' share, as given."""

    cloudflare_url: str
    okta_url: str | None
    okta_v1_app: str | None
    okta_v2_app: str | None
    idp_file: Path | None
    idp_file_group: str | None
    idp_file_app: str | None
    graph_url: str | None
    entra_v1_sp: str | None
    entra_v2_sp: str | None
    audit_since: str | None
    audit_before: str | None
    concurrency: int
    rate_limit: int


@dataclass(frozen=True)
class EntraSource:
    """Where Entra ID is collected from, and the credential for it (or nothing)."""

    url: str | None = None
    v1_sp: str | None = None
    v2_sp: str | None = None
    credential: TokenCredential | None = None


def _entra_source(
    graph_url: str | None,
    v1_sp: str | None,
    v2_sp: str | None,
    idp_file: Path | None,
    okta_url: str | None,
) -> EntraSource:
    """The Entra options checked, and the credential from the environment."""
    if not (graph_url or v1_sp or v2_sp):
        return EntraSource()
    if okta_url is not None:
        raise ConfigError(
            f"--okta-url {okta_url} and --entra-v1-sp/--entra-v2-sp both name an "
            "IdP; a snapshot holds one IdP",
            hint="collect one snapshot per IdP: once with the Okta options, once "
            "with the Entra options",
        )
    if not v1_sp:
        raise ConfigError(
            "Entra ID needs the v1 app's service principal",
            hint="pass --entra-v1-sp with the Object ID on the v1 enterprise "
            "application's Overview page (and --entra-v2-sp for the new app)",
        )
    if idp_file is not None:
        raise ConfigError(
            f"--idp-file {idp_file} and --entra-v1-sp both describe the IdP",
            hint="pass one of them",
        )
    url = graph_url or GRAPH_URL
    check_base_url(url, GRAPH_URL_OPTION)
    credential = client_secret_credential(settings_from_env(os.environ))
    return EntraSource(url, v1_sp, v2_sp or None, credential)


# Extra arguments reach _refuse_extra instead of Click's error, which echoes
# them: a token pasted as an argument must not be printed back.
_EXTRA_ARGS = {"allow_extra_args": True}


def _refuse_extra(ctx: typer.Context) -> None:
    """Unexpected arguments are refused by count, never echoed."""
    if ctx.args:
        raise ConfigError(
            f"{len(ctx.args)} unexpected argument(s), not shown: one may be a secret",
            hint="tokens are read from the environment only: CLOUDFLARE_API_TOKEN, "
            "OKTA_API_TOKEN or OKTA_CLIENT_ID and OKTA_PRIVATE_KEY, "
            "AZURE_CLIENT_SECRET; every other value goes after its option, see --help",
        )


@app.command(context_settings=_EXTRA_ARGS)
def collect(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option(
            help="Snapshot file to write; a directory (one <account>.zip each) "
            "with several accounts or --all-accounts."
        ),
    ],
    account: Annotated[
        list[str] | None,
        typer.Option(help="Cloudflare account id (32 hex characters); repeatable."),
    ] = None,
    all_accounts: Annotated[
        bool, typer.Option(help="Collect every account the token can list.")
    ] = False,
    cloudflare_url: CloudflareUrl = DEFAULT_CLOUDFLARE_URL,
    okta_url: OktaUrl = None,
    okta_v1_app: OktaV1App = None,
    okta_v2_app: OktaV2App = None,
    idp_file: IdpFileOption = None,
    idp_file_group: IdpFileGroup = None,
    idp_file_app: IdpFileApp = None,
    graph_url: GraphUrl = None,
    entra_v1_sp: EntraV1Sp = None,
    entra_v2_sp: EntraV2Sp = None,
    audit_since: AuditSince = None,
    audit_before: AuditBefore = None,
    resume: Annotated[
        bool, typer.Option(help="Reuse the endpoints an interrupted run finished.")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Replace a snapshot that already exists.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Exit 3 when any check could not be assessed.")
    ] = False,
    concurrency: Concurrency = CONCURRENCY,
    rate_limit: RateLimitOption = DEFAULT_RATE_LIMIT,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Snapshot Cloudflare (and Okta or Entra ID) into one evidence file per account.

    Credentials come from the environment only: CLOUDFLARE_API_TOKEN always;
    with --okta-url, OKTA_API_TOKEN, or an OAuth service app's OKTA_CLIENT_ID
    and OKTA_PRIVATE_KEY (and OKTA_KEY_ID when the key has one); with
    --entra-v1-sp, AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
    """
    _configure_logging(verbose)

    def action() -> list[Path]:
        _refuse_extra(ctx)
        if bool(account) == all_accounts:
            raise ConfigError(
                "name the accounts to collect",
                hint="pass --account ID (repeatable) or --all-accounts, not both",
            )
        several = all_accounts or len({a.lower() for a in account or []}) > 1
        if several and out.exists() and not out.is_dir():
            raise ConfigError(
                f"--out {out} is a file, but several accounts write one "
                "<account>.zip each into a directory",
                hint="pass --out with a directory (new or existing), e.g. snapshots/",
            )
        if not several and out.is_dir():
            raise ConfigError(
                f"--out {out} is a directory, but one account is written to one "
                "snapshot file (--force replaces only a snapshot file)",
                hint=f"pass --out with a file path, e.g. {out / 'snapshot.zip'}",
            )
        for given in account or []:
            check_account_id(given)  # named as typed, before it is lower-cased
        # Before the first request (--all-accounts lists the accounts first).
        check_writable(out, folder=out if several else out.parent)
        common, tokens = _collect_setup(
            CollectOptions(
                cloudflare_url=cloudflare_url,
                okta_url=okta_url,
                okta_v1_app=okta_v1_app,
                okta_v2_app=okta_v2_app,
                idp_file=idp_file,
                idp_file_group=idp_file_group,
                idp_file_app=idp_file_app,
                graph_url=graph_url,
                entra_v1_sp=entra_v1_sp,
                entra_v2_sp=entra_v2_sp,
                audit_since=audit_since,
                audit_before=audit_before,
                concurrency=concurrency,
                rate_limit=rate_limit,
            )
        )
        accounts = (
            token_accounts(cloudflare_url, tokens.cloudflare)
            if all_accounts
            # Cloudflare ids are lower-case hex; file names and manifest follow.
            else list(dict.fromkeys(a.lower() for a in account or []))
        )
        targets = {a: out / f"{a}.zip" if several else out for a in accounts}
        # --resume continues the same output; anything else must not replace it.
        overwrite = force or resume
        for target in targets.values():
            refuse_existing(target, force=overwrite)
        written = []
        for account_id, target in targets.items():
            collecting.append(target)
            with _progress(not quiet) as progress:
                snapshot = collect_to_file(
                    replace(common, account_id=account_id),
                    tokens,
                    target,
                    progress=progress,
                    resume=resume,
                    overwrite=overwrite,
                )
            written.append(Path(snapshot.path or target))
            if strict:
                _fail_if_not_assessed(written[-1])
        return written

    collecting: list[Path] = []  # the snapshot being collected is the last

    def kept() -> str:
        """What Ctrl-C leaves to resume: the entries read, when there are any."""
        if not (collecting and partial_dir(collecting[-1]).is_dir()):
            return ""
        return (
            "the entries already read are kept in a .<name>.partial folder beside "
            "the output; run the same command with --resume to continue"
        )

    _print_paths(_run(action, interrupted=kept))


def _collect_setup(options: CollectOptions) -> tuple[CollectConfig, Tokens]:
    """The shared options checked and the credentials read, before any request.

    The config has no account yet: each command sets the one it collects.
    """
    check_base_url(options.cloudflare_url, CLOUDFLARE_URL_OPTION)
    okta_url = options.okta_url
    entra = _entra_source(
        options.graph_url,
        options.entra_v1_sp,
        options.entra_v2_sp,
        options.idp_file,
        okta_url,
    )
    if okta_url is not None:
        check_base_url(okta_url, OKTA_URL_OPTION)
    _check_okta_apps(okta_url, options.okta_v1_app, options.okta_v2_app)
    config = CollectConfig(
        account_id="",
        cloudflare_url=options.cloudflare_url,
        okta_url=okta_url,
        okta_v1_app_id=options.okta_v1_app or "",
        okta_v2_app_id=options.okta_v2_app or "",
        concurrency=options.concurrency,
        rate_limit=RateLimit(requests=options.rate_limit),
        audit_since=_audit_window(options.audit_since, options.audit_before),
        idp_file=_idp_file(
            options.idp_file, options.idp_file_group, options.idp_file_app, okta_url
        ),
        graph_url=entra.url,
        entra_v1_sp=entra.v1_sp,
        entra_v2_sp=entra.v2_sp,
    )
    return config, replace(_tokens(okta_url), entra=entra.credential)


def _check_okta_apps(
    okta_url: str | None, v1_app: str | None, v2_app: str | None
) -> None:
    """Both Okta apps with --okta-url, and neither without it."""
    given = [
        option
        for option, value in (("--okta-v1-app", v1_app), ("--okta-v2-app", v2_app))
        if value
    ]
    if given and okta_url is None:
        raise ConfigError(
            f"{' and '.join(given)} given without --okta-url",
            hint="pass --okta-url with the Okta org URL, e.g. https://example.okta.com",
        )
    if okta_url and not (v1_app and v2_app):
        raise ConfigError(
            "--okta-url needs both Cloudflare apps in Okta (id or label)",
            hint="pass --okta-v1-app and --okta-v2-app (Okta admin > Applications)",
        )


def _idp_file(
    path: Path | None, group: str | None, app: str | None, okta_url: str | None
) -> IdpFile | None:
    """--idp-file read with its options, before any request or state is made."""
    if path is None:
        if group is not None or app is not None:
            raise ConfigError(
                "--idp-file-group and --idp-file-app describe an --idp-file",
                hint="add --idp-file PATH, or drop them",
            )
        return None
    if okta_url is not None:
        raise ConfigError(
            f"--idp-file {path} and --okta-url both describe the IdP",
            hint="pass one of them (docs/idp-file.md)",
        )
    return read_idp_file(path, FileOptions(group=group, app=app))


def _audit_window(since: str | None, before: str | None) -> AuditWindow | None:
    if since is None:
        if before is not None:
            raise ConfigError("--audit-before needs --audit-since", hint="add it")
        return None
    now = utc_now()
    if audit_instant("since", since) > now:
        raise ConfigError(
            f"--audit-since {since} is in the future (now is {now:%Y-%m-%d %H:%M} "
            "UTC): no change can have been logged yet",
            hint="pass a past date as --audit-since",
        )
    return AuditWindow(since=since, before=before or now.isoformat())


class NotAssessed(ReporterError):
    """``collect --strict``: a check could not be assessed, a failing gate."""

    # 3 like report's --strict: the gate failed; 1 stays for errors.
    exit_code = 3


def _fail_if_not_assessed(snapshot: Path) -> None:
    """--strict: a check that could not look is a failure, not a pass."""
    analysis = analyze(read_snapshot(snapshot))
    missing = analysis.not_assessed
    if missing:
        first = missing[0]
        raise NotAssessed(
            f"{len(missing)} check(s) could not be assessed from {snapshot}, "
            f"first {first.check_id}: {first.reason}",
            hint=first.hint,
        )
    steps = unassessed_of(analysis)
    if steps:
        raise NotAssessed(
            f"{len(steps)} step(s) or assessment(s) could not be assessed from "
            f"{snapshot}, first {steps[0].line}",
            hint="see the report's migration steps for what was not collected",
        )


@app.command(context_settings=_EXTRA_ARGS)
def verify(
    ctx: typer.Context,
    snapshot: Annotated[Path, typer.Argument(help="Snapshot written by 'collect'.")],
) -> None:
    """Re-check every hash of a snapshot and print its manifest summary."""
    _configure_logging(False)

    def action() -> list[str]:
        _refuse_extra(ctx)
        return summary_lines(read_snapshot(snapshot))

    # The manifest is not signed: its settings, hosts and failure reasons may
    # hold anything, printed escaped as stderr's lines are.
    for line in _run(action):
        _say(for_terminal(line))


@app.command()
def report(
    snapshots: Annotated[
        list[Path],
        typer.Argument(
            help="Snapshot written by 'collect'; several, or a folder of them "
            "(collect --all-accounts), make one report over every account.",
            metavar="SNAPSHOT",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option(help="Directory for the reports.")],
    format: Formats = DEFAULT_FORMATS,
    suppressions: Suppressions = None,
    fail_on: FailOn = Severity.HIGH,
    strict: Strict = False,
    redact: Annotated[
        bool,
        typer.Option(
            help="Replace names and emails with pseudonyms; the key goes to "
            f"{REDACTION_KEY} in --out, readable by you only."
        ),
    ] = False,
    force: ReportForce = False,
    verbose: OfflineVerbose = False,
) -> None:
    """Analyse snapshots offline and write the readiness reports.

    With several snapshots (one per account) the reports open with an overall
    summary and hold a section per account. Exits 3 when an open finding of
    any account is at or above --fail-on.
    """
    _configure_logging(verbose)

    def action() -> RunOutcome:
        judging = _judging(suppressions, fail_on, strict)
        found = snapshot_paths(snapshots)
        if len(found) > 1:
            if redact:
                raise ConfigError(
                    "--redact takes one snapshot",
                    hint="report each account's snapshot on its own with --redact",
                )
            return run_accounts_report(
                found, parse_formats(format), out, judging, force=force
            )
        return run_report(
            found[0], parse_formats(format), out, judging, redact=redact, force=force
        )

    _finish(_run(action))


def _judging(suppressions: Path | None, fail_on: Severity, strict: bool) -> Judging:
    return Judging(
        gate=Gate(fail_on=fail_on, strict=strict),
        suppressions=load_suppressions(suppressions) if suppressions else (),
        today=utc_now().date(),
    )


def _finish(outcome: RunOutcome) -> None:
    """Paths to stdout; suppressions that did not apply and the gate to stderr."""
    _print_paths(outcome.paths)
    for path in outcome.removed:
        _warn(f"removed {path}: an earlier run's report, not one of this run's set")
    for entry in outcome.outcome.expired[:SUPPRESSION_LINES]:
        _warn(f"suppression #{entry.number} ({entry.target}) expired {entry.expires}")
    _and_more(outcome.outcome.expired, "expired")
    for entry in outcome.outcome.unmatched[:SUPPRESSION_LINES]:
        _warn(f"suppression #{entry.number} ({entry.target}) matches no finding")
    _and_more(outcome.outcome.unmatched, "match no finding")
    for line in gate_lines(outcome.result):
        _warn(line)
    _warn(outcome.result.summary)
    if outcome.result.exit_code:
        raise typer.Exit(outcome.result.exit_code)


# Suppressions named one a line on stderr, per kind (10,000 gave 10,000
# lines); findings.json and diff.json list every one.
SUPPRESSION_LINES = 20


def _and_more(entries: Sequence[object], what: str) -> None:
    if len(entries) > SUPPRESSION_LINES:
        more = len(entries) - SUPPRESSION_LINES
        _warn(
            f"and {more} more suppressions {what} (--format json lists every one "
            "in findings.json, or diff.json)"
        )


def _warn(line: str) -> None:
    """Print ``line`` to stderr, secrets hidden and control characters escaped.

    Every error and warning line goes through here; log records go through
    ``TerminalFormatter``. A secret typed where a value goes is never echoed
    back; a control character read from a file is shown, never acted on.
    """
    safe = for_terminal(without_secrets(line))
    _stderr.print(safe, markup=False, highlight=False, soft_wrap=True)


@app.command(context_settings=_EXTRA_ARGS)
def check(
    ctx: typer.Context,
    account: Annotated[
        str, typer.Option(help="Cloudflare account id (32 hex characters).")
    ],
    out: Annotated[Path, typer.Option(help="Directory for snapshot and reports.")],
    cloudflare_url: CloudflareUrl = DEFAULT_CLOUDFLARE_URL,
    okta_url: OktaUrl = None,
    okta_v1_app: OktaV1App = None,
    okta_v2_app: OktaV2App = None,
    idp_file: IdpFileOption = None,
    idp_file_group: IdpFileGroup = None,
    idp_file_app: IdpFileApp = None,
    graph_url: GraphUrl = None,
    entra_v1_sp: EntraV1Sp = None,
    entra_v2_sp: EntraV2Sp = None,
    audit_since: AuditSince = None,
    audit_before: AuditBefore = None,
    concurrency: Concurrency = CONCURRENCY,
    rate_limit: RateLimitOption = DEFAULT_RATE_LIMIT,
    format: Formats = DEFAULT_FORMATS,
    suppressions: Suppressions = None,
    fail_on: FailOn = Severity.HIGH,
    strict: Strict = False,
    force: Annotated[
        bool, typer.Option(help="Replace the snapshot and reports already in --out.")
    ] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Collect into OUT/snapshot.zip, then report as 'report' does, in one go.

    An existing snapshot or report in OUT is refused unless --force.
    """
    _configure_logging(verbose)

    def action() -> RunOutcome:
        _refuse_extra(ctx)
        formats = parse_formats(format)
        judging = _judging(suppressions, fail_on, strict)
        config, tokens = _collect_setup(
            CollectOptions(
                cloudflare_url=cloudflare_url,
                okta_url=okta_url,
                okta_v1_app=okta_v1_app,
                okta_v2_app=okta_v2_app,
                idp_file=idp_file,
                idp_file_group=idp_file_group,
                idp_file_app=idp_file_app,
                graph_url=graph_url,
                entra_v1_sp=entra_v1_sp,
                entra_v2_sp=entra_v2_sp,
                audit_since=audit_since,
                audit_before=audit_before,
                concurrency=concurrency,
                rate_limit=rate_limit,
            )
        )
        with _progress(not quiet) as progress:
            return run_check(
                replace(config, account_id=account),
                tokens,
                formats,
                out,
                judging,
                force=force,
                progress=progress,
            )

    _finish(_run(action))


@app.command(context_settings=_EXTRA_ARGS)
def diff(
    ctx: typer.Context,
    before: Annotated[Path, typer.Argument(help="The earlier snapshot.")],
    after: Annotated[Path, typer.Argument(help="The later snapshot, same account.")],
    out: Annotated[Path, typer.Option(help="Directory for the diff reports.")],
    format: Formats = DEFAULT_FORMATS,
    suppressions: Suppressions = None,
    fail_on: FailOn = Severity.HIGH,
    strict: Strict = False,
    force: ReportForce = False,
    verbose: OfflineVerbose = False,
) -> None:
    """Compare two snapshots of one account, member by member.

    Exits 3 when a member lost access, gained admin access, or a new open
    finding is at or above --fail-on.
    """
    _configure_logging(verbose)

    def action() -> RunOutcome:
        _refuse_extra(ctx)
        judging = _judging(suppressions, fail_on, strict)
        return run_diff(before, after, parse_formats(format), out, judging, force=force)

    _finish(_run(action))


@app.command(context_settings=_EXTRA_ARGS)
def demo(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option(help="Directory for snapshot and reports.")
    ] = Path("demo-output"),
    seed: Annotated[int, typer.Option(help="Seed of the demo organization.")] = 2026,
    size: Annotated[int, typer.Option(min=MIN_SIZE, help="Number of members.")] = 60,
    stage: Annotated[
        str, typer.Option(help="pre (mid-migration) or post (after the migration).")
    ] = "pre",
    idp: Annotated[
        str, typer.Option(help="okta or entra: the IdP the demo org is collected from.")
    ] = "okta",
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Run the whole pipeline over HTTP against a local emulator of the demo org."""
    _configure_logging(verbose)

    def action() -> list[Path]:
        _refuse_extra(ctx)
        with _progress(not quiet) as progress:
            snapshot, reports = run_demo(
                out, seed=seed, size=size, stage=stage, idp=idp, progress=progress
            )
        _warn(f"snapshot: {snapshot}")
        return reports

    _print_paths(_run(action))


def _version(value: bool) -> None:
    if value:
        _say(f"cf-scim-audit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show version."
        ),
    ] = False,
) -> None:
    """Audit a Cloudflare account's move off SCIM v1 virtual groups."""


def main() -> None:
    """Console-script entry point."""
    app()
