"""The emulator's fault modes and rate-limit counter, seen over raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from reporter.demo.generator import build_organization
from reporter.demo.org import Json, Organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions, Fault

TOKEN = "cf-test-token"
AUDIT = [
    {"id": f"{n:032x}", "action": {"time": f"2026-07-0{n}T12:00:00Z", "type": "add"}}
    for n in range(1, 6)
]


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


@contextmanager
def serving(
    org: Organization, options: EmulatorOptions
) -> Iterator[tuple[httpx.Client, Emulator]]:
    """An emulator with ``options`` and a client on the account's v4 base."""
    with Emulator(org, cloudflare_token=TOKEN, okta_token=TOKEN, options=options) as e:
        base = f"{e.cloudflare_url}/accounts/{org.cloudflare.account['id']}"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=base, headers=auth, timeout=10) as made:
            yield made, e


@contextmanager
def client(org: Organization, options: EmulatorOptions) -> Iterator[httpx.Client]:
    """A client on the account's v4 base, talking to an emulator with ``options``."""
    with serving(org, options) as (made, _):
        yield made


def test_the_request_over_the_limit_answers_429_with_retry_after(
    org: Organization,
) -> None:
    """With 3 per minute enforced, the 4th request is a 429 code 971, retry-after 60."""
    with serving(org, EmulatorOptions(rate_limit=3, rate_window=60)) as (cf, emulator):
        answers = [cf.get("/roles") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[3].headers["retry-after"] == "60"
    assert answers[3].json()["errors"][0]["code"] == 971
    assert emulator.rate is not None
    assert (emulator.rate.counted, emulator.rate_limited, emulator.rate.peak) == (
        3,
        1,
        3,
    )


def test_an_html_fault_answers_an_edge_page(org: Organization) -> None:
    """A 5xx_html fault answers HTML with its status, then the API answers again."""
    options = EmulatorOptions(faults=(Fault("5xx_html", "/members", status=503),))
    with client(org, options) as cf:
        first, second = cf.get("/members"), cf.get("/members")

    assert first.status_code == 503
    assert first.headers["content-type"].startswith("text/html")
    assert first.text.startswith("<!DOCTYPE html>")
    assert second.status_code == 200 and second.json()["success"] is True


def test_a_truncated_fault_cuts_the_body_in_half(org: Organization) -> None:
    """The body of a truncated_json fault is the first half of the real one."""
    options = EmulatorOptions(faults=(Fault("truncated_json", "/roles"),))
    with client(org, options) as cf:
        cut, whole = cf.get("/roles"), cf.get("/roles")

    assert cut.status_code == 200
    assert whole.content.startswith(cut.content)
    assert len(cut.content) == len(whole.content) // 2


def test_a_repeat_fault_answers_the_page_before(org: Organization) -> None:
    """Page 2 under a repeat_page fault holds page 1's members."""
    options = EmulatorOptions(faults=(Fault("repeat_page", "/members", page=2),))
    with client(org, options) as cf:
        page1 = cf.get("/members", params={"page": 1, "per_page": 5}).json()
        page2 = cf.get("/members", params={"page": 2, "per_page": 5}).json()

    assert page2["result"] == page1["result"]


def test_a_no_result_info_fault_drops_only_result_info(org: Organization) -> None:
    """The members envelope keeps its result but loses result_info."""
    options = EmulatorOptions(faults=(Fault("no_result_info", "/members"),))
    with client(org, options) as cf:
        body = cf.get("/members", params={"per_page": 5}).json()

    assert "result_info" not in body
    assert len(body["result"]) == 5


def test_a_429_fault_without_retry_after_sends_no_header(org: Organization) -> None:
    """A 429 fault without retry_after answers 429 and no retry-after at all."""
    options = EmulatorOptions(faults=(Fault("429", "/roles", times=2),))
    with client(org, options) as cf:
        answers = [cf.get("/roles") for _ in range(3)]

    assert [a.status_code for a in answers] == [429, 429, 200]
    assert "retry-after" not in answers[0].headers


def audit_pages(cf: httpx.Client, **params: str) -> list[list[Json]]:
    pages, cursor = [], ""
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = cf.get("/logs/audit", params=query).json()
        pages.append(body["result"])
        cursor = body["result_info"]["cursor"]
        if not cursor:
            return pages


def test_audit_logs_page_by_cursor_within_the_window(org: Organization) -> None:
    """Entries from since up to before (exclusive), oldest first, 2 a page."""
    with client(org, EmulatorOptions(audit_logs=tuple(AUDIT))) as cf:
        pages = audit_pages(
            cf, since="2026-07-02", before="2026-07-05", direction="asc", limit="2"
        )

    assert [[e["id"] for e in page] for page in pages] == [
        [AUDIT[1]["id"], AUDIT[2]["id"]],
        [AUDIT[3]["id"]],
    ]


def test_audit_logs_need_since_and_before(org: Organization) -> None:
    """Without before, Audit Logs v2 answers 400 naming the parameter."""
    with client(org, EmulatorOptions()) as cf:
        answer = cf.get("/logs/audit", params={"since": "2026-07-01"})

    assert answer.status_code == 400
    assert "'before'" in answer.json()["errors"][0]["message"]
