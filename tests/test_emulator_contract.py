"""Every emulated Cloudflare GET answers what the spec subset says it answers.

Each operation of ``shared/specs/cloudflare-iam-subset.openapi.json`` that the
emulator serves is requested for every object of the demo organization (and
every page of each list); each body is validated against the operation's
200 schema with a read validator (cloudflare-api.md §1), and error answers
against its 4XX schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from reporter.demo.generator import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator

SPEC_PATH = (
    Path(__file__).resolve().parents[2]
    / "shared/specs/cloudflare-iam-subset.openapi.json"
)
SPEC_URI = "urn:cloudflare-iam-subset"
TOKEN = "contract-token"
# Operations the emulator does not serve: the collectors never read them.
NOT_SERVED = frozenset(
    {
        "account-api-tokens-list-tokens",
        "account-api-tokens-verify-token",
        "account-api-tokens-token-details",
        "audit-logs-get-account-audit-logs",
        "audit-logs-v2-get-account-audit-logs",
    }
)


def _load_spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.fail(
            f"the Cloudflare spec subset is missing at {SPEC_PATH}: check out "
            "the shared folder beside the repository (../shared/specs)"
        )
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


SPEC = _load_spec()
REGISTRY: Registry[Any] = Registry().with_resource(
    SPEC_URI, DRAFT4.create_resource(SPEC)
)


@dataclass(frozen=True)
class Operation:
    """One GET of the spec: its path template and its response schemas."""

    operation_id: str
    path: str

    @property
    def is_list(self) -> bool:
        return not self.path.endswith("}")

    def content_type(self, status: str) -> str:
        content: dict[str, Any] = self._responses[status]["content"]
        return next(iter(content))

    def validator(self, status: str) -> OAS30ReadValidator:
        """A read validator for the response schema, refs resolved in the spec."""
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in (
                "paths",
                self.path,
                "get",
                "responses",
                status,
                "content",
                self.content_type(status),
                "schema",
            )
        )
        schema = {"$ref": f"{SPEC_URI}#/{quote(pointer)}"}
        return OAS30ReadValidator(
            schema, registry=REGISTRY, format_checker=oas30_format_checker
        )

    @property
    def _responses(self) -> dict[str, Any]:
        responses: dict[str, Any] = SPEC["paths"][self.path]["get"]["responses"]
        return responses


SERVED = tuple(
    Operation(item["get"]["operationId"], path)
    for path, item in sorted(SPEC["paths"].items())
    if "get" in item and item["get"]["operationId"] not in NOT_SERVED
)
LISTS = tuple(op for op in SERVED if op.is_list)
DETAILS = tuple(op for op in SERVED if not op.is_list)


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


@pytest.fixture(scope="module")
def client(org: Organization) -> Iterator[httpx.Client]:
    with (
        Emulator(org, cloudflare_token=TOKEN, okta_token="unused") as emulator,
        httpx.Client(
            base_url=emulator.cloudflare_url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        ) as http,
    ):
        yield http


def bindings(path: str, org: Organization) -> list[dict[str, str]]:
    """Every concrete set of path parameters the organization offers."""
    cf = org.cloudflare
    account = {"account_id": cf.account["id"]}
    if path.endswith("{member_id}") and "user_groups" in path:
        return [
            {**account, "user_group_id": group_id, "member_id": item["id"]}
            for group_id, items in cf.user_group_members.items()
            for item in items
        ]
    objects = {
        "{member_id}": cf.members,
        "{role_id}": cf.roles,
        "{permission_group_id}": cf.permission_groups,
        "{resource_group_id}": cf.resource_groups,
        "{user_group_id}": cf.user_groups,
        "{group_id}": cf.scim_groups,
        "{user_id}": cf.scim_users,
    }
    last = re.findall(r"\{\w+\}", path)
    if last and last[-1] in objects:
        name = last[-1].strip("{}")
        return [{**account, name: item["id"]} for item in objects[last[-1]]]
    return [account]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m[1]], safe=""), path)


def pages(client: httpx.Client, url: str) -> Iterator[httpx.Response]:
    """Every page of a list, in whichever paging style it answers."""
    scim = "/scim/v2/" in url
    first = client.get(url, params={"count": 7} if scim else {"per_page": 5})
    yield first
    body = first.json()
    if "Resources" in body:
        start = body["startIndex"] + len(body["Resources"])
        while body["Resources"] and start <= body["totalResults"]:
            page = client.get(url, params={"startIndex": start, "count": 7})
            yield page
            body = page.json()
            start = body["startIndex"] + len(body["Resources"])
    elif "result_info" in body:
        for number in range(2, body["result_info"]["total_pages"] + 1):
            yield client.get(url, params={"per_page": 5, "page": number})


def assert_valid(op: Operation, status: str, response: httpx.Response) -> None:
    media = response.headers["content-type"].partition(";")[0]
    errors = [e.message for e in op.validator(status).iter_errors(response.json())]

    assert media == op.content_type(status), response.url
    assert errors == [], f"{response.url}: {errors[:5]}"


def test_spec_lists_the_operations_the_emulator_serves() -> None:
    """The walk covers every collected GET of the spec (a new one shows up here)."""
    assert len(SERVED) == 18
    assert len(LISTS) == 9


@pytest.mark.parametrize("op", LISTS, ids=lambda op: op.operation_id)
def test_every_list_page_matches_the_200_schema(
    op: Operation, client: httpx.Client, org: Organization
) -> None:
    """Each page of each list validates against the operation's 200 schema."""
    for values in bindings(op.path, org):
        for response in pages(client, fill(op.path, values)):
            assert response.status_code == 200, response.url
            assert_valid(op, "200", response)


@pytest.mark.parametrize("op", DETAILS, ids=lambda op: op.operation_id)
def test_every_detail_matches_the_200_schema(
    op: Operation, client: httpx.Client, org: Organization
) -> None:
    """Each object's detail validates against the operation's 200 schema."""
    for values in bindings(op.path, org):
        response = client.get(fill(op.path, values))

        assert response.status_code == 200, response.url
        assert_valid(op, "200", response)


@pytest.mark.parametrize("op", SERVED, ids=lambda op: op.operation_id)
def test_a_wrong_token_answers_the_4xx_schema(
    op: Operation, client: httpx.Client, org: Organization
) -> None:
    """A wrong token is refused with the operation's 4XX body."""
    url = fill(op.path, bindings(op.path, org)[0])
    response = client.get(url, headers={"Authorization": "Bearer wrong"})

    assert response.status_code in (401, 403)
    assert_valid(op, "4XX", response)


@pytest.mark.parametrize(
    "op",
    [op for op in DETAILS if not op.path.endswith("{account_id}")],
    ids=lambda op: op.operation_id,
)
def test_an_unknown_object_answers_404_in_the_4xx_schema(
    op: Operation, client: httpx.Client, org: Organization
) -> None:
    """A detail of an id that does not exist is a 404 with the 4XX body."""
    values = dict(bindings(op.path, org)[0])
    last = re.findall(r"\{(\w+)\}", op.path)[-1]
    values[last] = "0" * 32
    response = client.get(fill(op.path, values))

    assert response.status_code == 404
    assert_valid(op, "4XX", response)


@pytest.mark.parametrize(
    "op",
    [op for op in SERVED if "{account_id}" in op.path],
    ids=lambda op: op.operation_id,
)
def test_another_account_answers_403_in_the_4xx_schema(
    op: Operation, client: httpx.Client, org: Organization
) -> None:
    """A path naming another account is refused with the 4XX body."""
    values = {**bindings(op.path, org)[0], "account_id": "f" * 32}
    response = client.get(fill(op.path, values))

    assert response.status_code == 403
    assert_valid(op, "4XX", response)


def test_the_read_validator_rejects_a_user_group_without_created_on(
    client: httpx.Client, org: Organization
) -> None:
    """The walk can fail: a read-only required field that is missing is an error."""
    op = next(op for op in DETAILS if op.path.endswith("{user_group_id}"))
    body = client.get(fill(op.path, bindings(op.path, org)[0])).json()
    del body["result"]["created_on"]

    errors = [e.message for e in op.validator("200").iter_errors(body)]

    assert errors == ["'created_on' is a required property"]
