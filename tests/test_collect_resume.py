"""Interrupted collections: no snapshot, finished entries kept, --resume reuses them."""

from __future__ import annotations

import json
import secrets
import stat
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from reporter.collect import CollectConfig
from reporter.collect.partial import PartialState
from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions, Fault
from reporter.errors import CollectError, ConfigError, SnapshotError
from reporter.pipeline import Tokens, collect_to_file
from reporter.snapshot import layout, read_snapshot
from reporter.snapshot.model import EndpointRecord, RequestRecord
from reporter.snapshot.summary import summary_lines

TOKEN = secrets.token_hex(16)
TOKENS = Tokens(cloudflare=TOKEN)
# Four HTML 502s: every attempt of the SCIM group list fails, once.
SCIM_DOWN = Fault("5xx_html", "/scim/v2/Groups", times=4)


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


def config(org: Organization, emulator: Emulator) -> CollectConfig:
    return CollectConfig(
        account_id=org.cloudflare.account["id"], cloudflare_url=emulator.cloudflare_url
    )


def partial_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def serve(org: Organization, *faults: Fault) -> Emulator:
    options = EmulatorOptions(faults=faults)
    return Emulator(org, cloudflare_token=TOKEN, okta_token=TOKEN, options=options)


def no_wait(seconds: float) -> None:
    """Retries run on a virtual clock: the tests never wait."""


def fail_once(org: Organization, emulator: Emulator, out: Path) -> None:
    with pytest.raises(CollectError, match="HTTP 502 with text/html"):
        collect_to_file(config(org, emulator), TOKENS, out, sleep=no_wait)


def test_a_failed_collection_leaves_no_snapshot_but_its_finished_entries(
    org: Organization, tmp_path: Path
) -> None:
    """After a crash the snapshot is absent; finished entries wait, owner-only."""
    out = tmp_path / "snapshot.zip"
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)

    kept = sorted(p.name for p in partial_dir(out).iterdir())
    assert not out.exists()
    assert "cloudflare__members.json" in kept
    assert stat.S_IMODE(partial_dir(out).stat().st_mode) == 0o700
    assert all(
        stat.S_IMODE(p.stat().st_mode) == 0o600 for p in partial_dir(out).iterdir()
    )


def test_a_failure_keeps_every_entry_read_beside_it(
    org: Organization, tmp_path: Path
) -> None:
    """Entries read while another failed are kept, also those after it."""
    out = tmp_path / "snapshot.zip"
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)

    kept = {p.name for p in partial_dir(out).iterdir()}
    expected = {
        e.replace("/", "__")
        for e in layout.CLOUDFLARE_ENTRIES
        if e not in (layout.CF_SCIM_GROUPS, layout.CF_SCIM_GROUP_DETAILS)
    }
    assert kept == expected | {"state.json", "started.json"}


def _saved_and_loaded(tmp_path: Path, data: object) -> tuple[object, object]:
    """What ``save`` wrote (parsed back with json.loads) and what ``load`` gives."""
    state = PartialState.beside(tmp_path / "s.zip", {"account_id": "a"}, resume=False)
    record = EndpointRecord(entry="e", status="ok", pages=3, count=121)
    requests = [RequestRecord("GET", "/x?page=1", 200, 50.5, "e", 1, 0)]

    state.save("cloudflare/e.json", data, record, requests)

    raw = {
        "entry": "cloudflare/e.json",
        "data": data,
        "record": asdict(record),
        "requests": [asdict(r) for r in requests],
    }
    written = json.loads((state.directory / "cloudflare__e.json").read_bytes())
    assert written == raw
    loaded = state.load("cloudflare/e.json")
    assert loaded is not None
    assert (loaded.record, loaded.requests) == (record, tuple(requests))
    return written["data"], loaded.data


def test_a_saved_entry_is_the_json_of_its_objects(tmp_path: Path) -> None:
    """A long entry is saved as JSON that reads back equal, non-ASCII kept."""
    data = {
        "list": [
            {"id": str(n), "name": f"Zoë {n}", "tags": [n, None, -0.5, 1e300]}
            for n in range(121)
        ],
        "object": {str(n): [n, {"ok": n % 2 == 0}] for n in range(77)},
        "empty": [],
        "widest": [2**64 - 1, -(2**63)],
    }

    written, loaded = _saved_and_loaded(tmp_path, data)

    assert written == loaded == data
    text = (tmp_path / ".s.zip.partial" / "cloudflare__e.json").read_text("utf-8")
    assert "Zoë 120" in text


@pytest.mark.parametrize(
    "odd",
    [2**64, -(2**63) - 1, 10**40, "\ud800 lone surrogate", {"k\udfff": 1}],
    ids=["2**64", "below int64", "10**40", "lone surrogate", "surrogate key"],
)
def test_values_orjson_refuses_are_saved_exactly_all_the_same(
    tmp_path: Path, odd: object
) -> None:
    """Integers beyond 64 bits and lone surrogates (Python's parser makes both)
    take the standard encoder, and read back as they were."""
    data = [{"id": "1", "value": odd}, {"id": "2", "name": "Zoë"}]
    with pytest.raises(TypeError):
        orjson.dumps(data)  # so this is the fallback's case

    written, loaded = _saved_and_loaded(tmp_path, data)

    assert written == loaded == data
    assert type(loaded[0]["value"]) is type(odd)


def test_resume_fetches_only_what_was_not_finished(
    org: Organization, tmp_path: Path
) -> None:
    """--resume sends no members request again and ends with the whole snapshot."""
    out = tmp_path / "snapshot.zip"
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)
        before = emulator.request_count
        snapshot = collect_to_file(
            config(org, emulator), TOKENS, out, resume=True, sleep=no_wait
        )
        again = [path for _, path, _ in emulator.requests[before:]]

    read_back = read_snapshot(out)
    members = f"/accounts/{org.cloudflare.account['id']}/members?"
    assert not any(members in path for path in again)
    assert any("/scim/v2/Groups?" in path for path in again)
    assert read_back.entries == snapshot.entries
    # SCIM group details are readable in older snapshots, no longer collected.
    details = layout.CF_SCIM_GROUP_DETAILS
    assert sorted(read_back.entries) == sorted(
        e for e in layout.CLOUDFLARE_ENTRIES if e != details
    )
    assert layout.CF_MEMBERS in read_back.manifest.settings["resumed_entries"]
    assert not partial_dir(out).exists()


def test_resume_reads_the_member_lists_of_the_saved_user_groups(
    org: Organization, tmp_path: Path
) -> None:
    """Member lists that failed are read again from the user groups kept, alone."""
    group = org.cloudflare.user_groups[0]["id"]
    lists_down = Fault("5xx_html", f"/iam/user_groups/{group}/members", times=4)
    out = tmp_path / "snapshot.zip"
    with serve(org, lists_down) as emulator:
        fail_once(org, emulator, out)
        before = emulator.request_count
        snapshot = collect_to_file(
            config(org, emulator), TOKENS, out, resume=True, sleep=no_wait
        )
        again = [path for _, path, _ in emulator.requests[before:]]

    base = f"/client/v4/accounts/{org.cloudflare.account['id']}/iam/user_groups/"
    assert again and all(p.startswith(base) and "/members?" in p for p in again)
    members = snapshot.entries[layout.CF_USER_GROUP_MEMBERS]
    assert sorted(members) == sorted(g["id"] for g in org.cloudflare.user_groups)
    assert layout.CF_USER_GROUPS in snapshot.manifest.settings["resumed_entries"]


def test_resumed_manifest_lists_the_earlier_runs_requests(
    org: Organization, tmp_path: Path
) -> None:
    """The members requests of the first run stay in the resumed manifest."""
    out = tmp_path / "snapshot.zip"
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)
        collect_to_file(config(org, emulator), TOKENS, out, resume=True)

    members = [
        r for r in read_snapshot(out).manifest.requests if r.entry == layout.CF_MEMBERS
    ]
    assert [r.page for r in members] == [1, 2]  # 60 members, 50 a page


def test_a_resumed_manifest_starts_when_the_first_run_did(
    org: Organization, tmp_path: Path
) -> None:
    """started_at is the first run's start, resumed_at the second's; verify says so."""
    out = tmp_path / "snapshot.zip"
    first = datetime(2026, 12, 4, 9, 24, 2, tzinfo=UTC)
    second = datetime(2026, 12, 4, 9, 26, 11, tzinfo=UTC)
    with serve(org, SCIM_DOWN) as emulator:
        with pytest.raises(CollectError):
            collect_to_file(
                config(org, emulator), TOKENS, out, sleep=no_wait, clock=lambda: first
            )
        collect_to_file(
            config(org, emulator),
            TOKENS,
            out,
            resume=True,
            sleep=no_wait,
            clock=lambda: second,
        )

    read_back = read_snapshot(out)
    manifest = read_back.manifest
    earlier = manifest.settings["resumed_entries"].split(", ")
    lines = summary_lines(read_back)
    assert (manifest.started_at, manifest.finished_at) == (
        first.isoformat(),
        second.isoformat(),
    )
    assert manifest.resumed_at == second.isoformat()
    assert (
        f"collected: {first.isoformat()} to {second.isoformat()} (129.0 s); "
        f"resumed at {second.isoformat()} (0.0 s), {len(earlier)} entries from "
        "the earlier run"
    ) in lines


def test_a_collection_not_resumed_has_no_resumed_at(
    org: Organization, tmp_path: Path
) -> None:
    """A collection in one run records no resumption."""
    out = tmp_path / "snapshot.zip"
    with serve(org) as emulator:
        collect_to_file(config(org, emulator), TOKENS, out, sleep=no_wait)

    assert read_snapshot(out).manifest.resumed_at is None


def test_without_resume_the_partial_state_is_discarded(
    org: Organization, tmp_path: Path
) -> None:
    """A new run without --resume fetches everything again."""
    out = tmp_path / "snapshot.zip"
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)
        before = emulator.request_count
        collect_to_file(config(org, emulator), TOKENS, out)
        again = [path for _, path, _ in emulator.requests[before:]]

    members = f"/accounts/{org.cloudflare.account['id']}/members?"
    assert any(members in path for path in again)
    assert "resumed_entries" not in read_snapshot(out).manifest.settings


def test_resume_refuses_the_state_of_another_account(
    org: Organization, tmp_path: Path
) -> None:
    """Partial state left by another account is not mixed in: a ConfigError."""
    out = tmp_path / "snapshot.zip"
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)
        other = CollectConfig(
            account_id="f" * 32, cloudflare_url=emulator.cloudflare_url
        )
        with pytest.raises(ConfigError, match="partial collection of other settings"):
            collect_to_file(other, TOKENS, out, resume=True)


def test_resume_names_the_settings_that_differ_not_their_values(
    tmp_path: Path,
) -> None:
    """Which settings changed is said; what was typed there is not repeated."""
    out = tmp_path / "s.zip"
    first = {"account_id": "a" * 32, "okta_v2_app": "label-typed-first"}
    state = PartialState.beside(out, first, resume=False)
    again = {"account_id": "a" * 32, "okta_v2_app": "0oa-id-typed-again"}

    with pytest.raises(ConfigError) as raised:
        PartialState.beside(out, again, resume=True)

    assert str(raised.value).startswith(
        f"{state.directory} holds a partial collection of other settings "
        f"(account {'a' * 32}; differing: okta_v2_app)"
    )
    assert "label-typed-first" not in str(raised.value)


@pytest.mark.parametrize("saved", ["[1, 2]", '"text"', "null"])
def test_resume_refuses_a_state_that_is_no_object(tmp_path: Path, saved: str) -> None:
    """A damaged state.json of valid JSON is one ConfigError, not a traceback."""
    out, key = tmp_path / "s.zip", {"account_id": "a" * 32}
    state = PartialState.beside(out, key, resume=False)
    (state.directory / "state.json").write_text(saved, encoding="utf-8")
    kind = type(json.loads(saved)).__name__

    with pytest.raises(ConfigError) as raised:
        PartialState.beside(out, key, resume=True)

    assert str(raised.value).startswith(
        f"{state.directory / 'state.json'} is not the state of a partial "
        f"collection (a JSON {kind}, not an object)"
    )


def test_an_interrupt_keeps_the_finished_entries(
    org: Organization, tmp_path: Path
) -> None:
    """Ctrl-C during the user group members leaves no snapshot, members kept."""
    out = tmp_path / "snapshot.zip"
    kept = partial_dir(out) / "cloudflare__members.json"

    def interrupt(entry: str, pages: int, known: int) -> None:
        if entry != layout.CF_USER_GROUP_MEMBERS:
            return
        # The member lists are read while the members are: this one waits
        # (at most 10 s) until the members are saved, then Ctrl-C comes.
        for _ in range(1000):
            if kept.is_file():
                break
            time.sleep(0.01)
        raise KeyboardInterrupt

    with serve(org) as emulator, pytest.raises(KeyboardInterrupt):
        collect_to_file(config(org, emulator), TOKENS, out, progress=interrupt)

    assert not out.exists()
    assert (partial_dir(out) / "cloudflare__members.json").is_file()


def test_a_resumed_run_that_reads_nothing_keeps_the_earlier_entries(
    org: Organization, tmp_path: Path
) -> None:
    """A --resume run that fails before reading an entry never removes the .partial."""
    out = tmp_path / "snapshot.zip"
    refused = Tokens(cloudflare="a-token-cloudflare-refuses")
    with serve(org, SCIM_DOWN) as emulator:
        fail_once(org, emulator, out)
        earlier = sorted(p.name for p in partial_dir(out).iterdir())
        with pytest.raises(CollectError):
            collect_to_file(
                config(org, emulator), refused, out, resume=True, sleep=no_wait
            )

    assert sorted(p.name for p in partial_dir(out).iterdir()) == earlier


def test_a_run_that_fails_unread_removes_the_folders_it_made(
    org: Organization, tmp_path: Path
) -> None:
    """A token refused at the first request: no .partial, no empty parent left."""
    out = tmp_path / "new" / "snapshot.zip"
    refused = Tokens(cloudflare="a-token-cloudflare-refuses")
    with serve(org) as emulator, pytest.raises(CollectError):
        collect_to_file(config(org, emulator), refused, out, sleep=no_wait)

    assert list(tmp_path.iterdir()) == []


def test_a_save_that_fails_is_one_error_naming_resume(
    org: Organization, tmp_path: Path
) -> None:
    """A save the disk refuses is a SnapshotError; entries saved stay for --resume."""
    out = tmp_path / "snapshot.zip"
    # A folder where the member lists go: the rename onto it fails, as a full
    # disk would fail the write.
    blocked = partial_dir(out) / "cloudflare__user_group_members.json"

    def block(entry: str, pages: int, known: int) -> None:
        blocked.mkdir(exist_ok=True)

    with serve(org) as emulator, pytest.raises(SnapshotError) as raised:
        collect_to_file(config(org, emulator), TOKENS, out, progress=block)

    assert "cannot save the entries read" in str(raised.value)
    assert "--resume" in str(raised.value)
    assert (partial_dir(out) / "cloudflare__account.json").is_file()
    assert not out.exists()
