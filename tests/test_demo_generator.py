"""The demo organization: deterministic, scalable, and holding every situation."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from reporter.demo.generator import Ledger, build_organization, build_scenario
from reporter.demo.org import Json, Organization
from reporter.demo.scenario import EXPECTED, facts_for
from reporter.errors import ConfigError

V1_NAME = re.compile(r"^CF-(?P<acct>[0-9a-fA-F]{32})\s*-\s*(?P<role>.+?)\s*$")


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


@pytest.fixture(scope="module")
def large_scenario() -> tuple[Organization, Ledger]:
    return build_scenario(size=20_000)


@pytest.fixture(scope="module")
def large(large_scenario: tuple[Organization, Ledger]) -> Organization:
    return large_scenario[0]


def member_by_email(org: Organization, email: str) -> Json:
    return next(m for m in org.cloudflare.members if m["email"] == email)


def whole_account(org: Organization, policy: Json) -> bool:
    key = f"com.cloudflare.api.account.{org.cloudflare.account['id']}"
    return all(
        rg["scope"] == {"key": key, "objects": [{"key": "*"}]}
        for rg in policy["resource_groups"]
    )


def allowed_names(org: Organization, policies: list[Json]) -> set[str]:
    """Permission group names the policies allow on the whole account."""
    return {
        pg["name"]
        for policy in policies
        if policy["access"] == "allow" and whole_account(org, policy)
        for pg in policy["permission_groups"]
    }


def virtual_names(org: Organization, scim_user: Json) -> set[str]:
    """Permission group names granted by the SCIM user's virtual groups."""
    names = {pg["id"]: pg["name"] for pg in org.cloudflare.permission_groups}
    return {
        names[group.removeprefix("cloudflare-v1-")]
        for group in scim_user["groups"]
        if group.startswith("cloudflare-v1-")
    }


def user_group_names(org: Organization, member_id: str) -> list[str]:
    groups = {g["id"]: g for g in org.cloudflare.user_groups}
    return [
        groups[gid]["name"]
        for gid, items in org.cloudflare.user_group_members.items()
        if any(item["id"] == member_id for item in items)
    ]


# -- determinism and size -------------------------------------------------------


def test_the_same_seed_builds_equal_organizations(org: Organization) -> None:
    """Two builds with the default seed and size are equal object for object."""
    assert build_organization() == org


def test_another_seed_builds_another_organization(org: Organization) -> None:
    """A different seed changes the ids."""
    other = build_organization(seed=7)

    assert other.cloudflare.account["id"] != org.cloudflare.account["id"]
    assert other.okta.users[0]["id"] != org.okta.users[0]["id"]


def test_the_default_has_sixty_members_in_one_enterprise_account(
    org: Organization,
) -> None:
    """size=60 gives 60 members of one enterprise account with a 32-hex id."""
    account = org.cloudflare.account

    assert len(org.cloudflare.members) == 60
    assert account["type"] == "enterprise"
    assert re.fullmatch(r"[0-9a-f]{32}", account["id"])


def test_twenty_thousand_members_have_unique_ids_and_emails(
    large: Organization,
) -> None:
    """size=20,000 builds 20,000 members, none sharing an id or an email."""
    members = large.cloudflare.members

    assert len(members) == 20_000
    assert len({m["id"] for m in members}) == 20_000
    assert len({m["email"].casefold() for m in members}) == 20_000


def test_user_groups_scale_with_size(org: Organization, large: Organization) -> None:
    """Five user groups at 60 members, 300 at 20,000."""
    assert len(org.cloudflare.user_groups) == 5
    assert len(large.cloudflare.user_groups) == 300


def test_large_demos_spread_members_over_the_situations(
    large_scenario: tuple[Organization, Ledger],
) -> None:
    """At 20,000 the generic members are at risk, covered and migrated alike."""
    large, ledger = large_scenario
    in_groups = {
        item["id"]
        for items in large.cloudflare.user_group_members.values()
        for item in items
    }

    assert 2_000 < len(ledger.at_risk) < 12_000
    assert len(in_groups) > 5_000
    assert len(ledger.suspended) > 100


def test_a_size_below_the_cast_is_refused() -> None:
    """Too small a size raises a ConfigError naming the size and the minimum."""
    with pytest.raises(ConfigError, match="demo size 3") as caught:
        build_organization(size=3)

    assert caught.value.hint == "pass a size of at least 28"


# -- Cloudflare side ---------------------------------------------------------------


def test_roles_and_permission_groups_share_names_not_ids(org: Organization) -> None:
    """Each legacy role has a same-named account permission group with its own id."""
    groups = {pg["name"]: pg for pg in org.cloudflare.permission_groups}
    required = {
        "Administrator",
        "Super Administrator - All Privileges",
        "Administrator Read Only",
        "DNS",
        "Billing",
    }

    assert required <= {role["name"] for role in org.cloudflare.roles}
    for role in org.cloudflare.roles:
        group = groups[role["name"]]
        assert group["id"] != role["id"]
        assert group["meta"]["scopes"] == "com.cloudflare.api.account"
        assert set(group["meta"]) >= {"label", "scopes", "editable"}


def test_some_permission_groups_are_zone_scoped(org: Organization) -> None:
    """At least two permission groups are domain-scoped."""
    scopes = Counter(pg["meta"]["scopes"] for pg in org.cloudflare.permission_groups)

    assert scopes["com.cloudflare.api.account.zone"] >= 2


def test_resource_groups_cover_the_account_and_zones(org: Organization) -> None:
    """One whole-account resource group and zone ones, all keyed by the account."""
    acct = org.cloudflare.account["id"]
    objects = [rg["scope"]["objects"] for rg in org.cloudflare.resource_groups]

    assert objects[0] == [{"key": "*"}]
    assert all(
        o[0]["key"].startswith("com.cloudflare.api.account.zone.") for o in objects[1:]
    )
    assert {rg["scope"]["key"] for rg in org.cloudflare.resource_groups} == {
        f"com.cloudflare.api.account.{acct}"
    }


def test_a_pending_invite_holds_administrator(org: Organization) -> None:
    """One pending invite carries the Administrator role and no user id."""
    pending = [m for m in org.cloudflare.members if m["status"] == "pending"]
    admin = [m for m in pending if [r["name"] for r in m["roles"]] == ["Administrator"]]

    assert len(pending) == 3
    assert len(admin) == 1
    assert admin[0]["user"]["first_name"] is None
    assert "id" not in admin[0]["user"]


def test_a_pending_invite_has_no_user(org: Organization) -> None:
    """One pending invite has no user object at all."""
    pending = [m for m in org.cloudflare.members if m["status"] == "pending"]

    assert sum("user" not in m for m in pending) == 1


def test_direct_policies_include_a_deny_and_a_zone_scope(org: Organization) -> None:
    """Member policies hold one deny and one zone-scoped allow."""
    policies = [p for m in org.cloudflare.members for p in m["policies"]]
    zone_keys = [
        rg["scope"]["objects"][0]["key"]
        for p in policies
        for rg in p["resource_groups"]
    ]

    assert [
        p["permission_groups"][0]["name"] for p in policies if p["access"] == "deny"
    ] == ["Billing"]
    assert any(key.startswith("com.cloudflare.api.account.zone.") for key in zone_keys)


def test_virtual_groups_use_both_spellings_and_an_upper_case_id(
    org: Organization,
) -> None:
    """The v1 groups name this account, with and without spaces, once upper case."""
    acct = org.cloudflare.account["id"]
    names = [
        g["displayName"]
        for g in org.cloudflare.scim_groups
        if g["id"].startswith("cloudflare-v1-")
    ]
    parsed = [V1_NAME.match(name) for name in names]

    assert len(names) == 5
    assert all(p is not None and p["acct"].lower() == acct for p in parsed)
    assert f"CF-{acct}-DNS" in names
    assert f"CF-{acct} - Administrator" in names
    assert any(p is not None and p["acct"] == acct.upper() for p in parsed)
    assert {p["role"] for p in parsed if p is not None} == {
        "Administrator",
        "Super Administrator - All Privileges",
        "DNS",
        "Billing",
        "Administrator Read Only",
    }


def test_virtual_group_ids_name_the_matching_permission_group(
    org: Organization,
) -> None:
    """cloudflare-v1-<id> names the permission group of the role in the name."""
    groups = {pg["id"]: pg["name"] for pg in org.cloudflare.permission_groups}
    for group in org.cloudflare.scim_groups:
        if group["id"].startswith("cloudflare-v1-"):
            role = V1_NAME.match(group["displayName"])
            assert role is not None
            assert groups[group["id"].removeprefix("cloudflare-v1-")] == role["role"]


def test_every_virtual_group_member_carries_the_matching_role(
    org: Organization,
) -> None:
    """A v1 group grants by editing the member: its role is in member.roles."""
    members = {
        m["user"]["id"]: m for m in org.cloudflare.members if "id" in m.get("user", {})
    }
    for user in org.cloudflare.scim_users:
        roles = {role["name"] for role in members[user["id"]]["roles"]}
        assert virtual_names(org, user) <= roles


def test_user_groups_are_scim_custom_groups_of_the_same_name_and_id(
    org: Organization,
) -> None:
    """Each user group has a SCIM custom group with its id, name and Okta externalId."""
    scim = {g["id"]: g for g in org.cloudflare.scim_groups}
    okta_groups = {g["id"]: g for g in org.okta.groups}
    for group in org.cloudflare.user_groups:
        twin = scim[group["id"]]
        assert twin["displayName"] == group["name"]
        assert okta_groups[twin["externalId"]]["profile"]["name"] == group["name"]


def test_one_user_group_has_no_policies_and_one_is_zone_scoped(
    org: Organization,
) -> None:
    """Cloudflare-Billing omits policies; Cloudflare-Zone-Admins grants on a zone."""
    groups = {g["name"]: g for g in org.cloudflare.user_groups}
    zone = groups["Cloudflare-Zone-Admins"]["policies"][0]["resource_groups"][0]

    assert "policies" not in groups["Cloudflare-Billing"]
    assert zone["scope"]["objects"][0]["key"].startswith(
        "com.cloudflare.api.account.zone."
    )


def test_scim_users_are_the_accepted_members(org: Organization) -> None:
    """One SCIM user per accepted member, joined by user id, userName = email."""
    accepted = {
        m["user"]["id"]: m for m in org.cloudflare.members if m["status"] == "accepted"
    }

    assert {u["id"] for u in org.cloudflare.scim_users} == set(accepted)
    for user in org.cloudflare.scim_users:
        assert user["userName"] == accepted[user["id"]]["email"]
        assert user["emails"] == [
            {"value": user["userName"], "primary": True, "type": "work"}
        ]


def test_names_come_in_several_scripts(org: Organization) -> None:
    """Member names include accented Latin, CJK, Arabic and Hebrew letters."""
    text = "".join(
        (m["user"]["first_name"] or "") + (m["user"]["last_name"] or "")
        for m in org.cloudflare.members
        if "user" in m
    )
    scripts = {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}

    assert {"CJK", "ARABIC", "HEBREW"} <= scripts
    assert "é" in text


def test_one_name_carries_markup_and_a_formula(org: Organization) -> None:
    """The hostile member's first name starts with = and holds a script tag."""
    hostile = member_by_email(org, EXPECTED.hostile_member_email)["user"]

    assert hostile["first_name"].startswith("=HYPERLINK(")
    assert "<script>" in hostile["first_name"]
    assert hostile["last_name"].startswith("<img")


# -- Okta side ------------------------------------------------------------------------


def test_the_v1_app_can_deprovision_and_push_groups(org: Organization) -> None:
    """The v1 app is labelled as such and has PUSH_USER_DEACTIVATION and GROUP_PUSH."""
    v1 = next(a for a in org.okta.apps if a["id"] == org.okta.v1_app_id)
    v2 = next(a for a in org.okta.apps if a["id"] == org.okta.v2_app_id)

    assert v1["label"] == "Cloudflare SCIM (v1)"
    assert {"PUSH_USER_DEACTIVATION", "GROUP_PUSH"} <= set(v1["features"])
    assert (v2["label"], v2["status"]) == ("Cloudflare Dashboard", "ACTIVE")


def test_v1_mappings_target_cf_app_groups_of_the_v1_app(org: Organization) -> None:
    """Every v1 push target is an APP_GROUP named CF-… sourced from the v1 app."""
    groups = {g["id"]: g for g in org.okta.groups}
    targets = [
        groups[m["targetGroupId"]] for m in org.okta.push_mappings[org.okta.v1_app_id]
    ]

    assert len(targets) == 7
    assert all(t["type"] == "APP_GROUP" for t in targets)
    assert all(t["source"]["id"] == org.okta.v1_app_id for t in targets)
    assert all(V1_NAME.match(t["profile"]["name"]) for t in targets)


def test_a_v1_mapping_targets_another_account(org: Organization) -> None:
    """One v1 target names a different 32-hex account id."""
    acct = org.cloudflare.account["id"]
    groups = {g["id"]: g for g in org.okta.groups}
    names = [
        groups[m["targetGroupId"]]["profile"]["name"]
        for m in org.okta.push_mappings[org.okta.v1_app_id]
    ]
    foreign = [n for n in names if V1_NAME.match(n)["acct"].lower() != acct]  # type: ignore[index]

    assert foreign == list(EXPECTED.foreign_virtual_groups)
    assert foreign[0].endswith(" - Administrator")


def test_a_v1_mapping_names_an_unknown_role(org: Organization) -> None:
    """One v1 target of this account names a role no permission group has."""
    known = {pg["name"] for pg in org.cloudflare.permission_groups}
    groups = {g["id"]: g for g in org.okta.groups}
    roles = [
        V1_NAME.match(groups[m["targetGroupId"]]["profile"]["name"])["role"]  # type: ignore[index]
        for m in org.okta.push_mappings[org.okta.v1_app_id]
    ]

    assert [r for r in roles if r not in known] == ["Firewall Wizard"]


def test_the_errored_v2_push_has_no_cloudflare_group(org: Organization) -> None:
    """The ERROR mapping has a summary, and its group is neither SCIM nor user group."""
    groups = {g["id"]: g for g in org.okta.groups}
    errored = [
        m for m in org.okta.push_mappings[org.okta.v2_app_id] if m["status"] == "ERROR"
    ]
    name = groups[errored[0]["sourceGroupId"]]["profile"]["name"]

    assert len(errored) == 1
    assert errored[0]["errorSummary"]
    assert name.startswith("CF")
    assert name not in {g["displayName"] for g in org.cloudflare.scim_groups}
    assert name not in {g["name"] for g in org.cloudflare.user_groups}


def test_okta_users_have_every_status(org: Organization) -> None:
    """Okta users of every lifecycle status are present."""
    statuses = {u["status"] for u in org.okta.users}

    assert statuses >= {
        "ACTIVE",
        "SUSPENDED",
        "DEPROVISIONED",
        "STAGED",
        "PROVISIONED",
        "RECOVERY",
        "LOCKED_OUT",
        "PASSWORD_EXPIRED",
    }


def test_app_users_carry_scope_embedded_user_and_username(org: Organization) -> None:
    """App users are USER or GROUP scoped, embed the user and send a userName."""
    users = [u for app in org.okta.app_users.values() for u in app]

    assert {u["scope"] for u in users} == {"USER", "GROUP"}
    assert all(u["_embedded"]["user"]["id"] == u["id"] for u in users)
    assert all("@" in u["credentials"]["userName"] for u in users)


def test_scim_external_ids_are_okta_user_ids(org: Organization) -> None:
    """A SCIM user's externalId is the id of the Okta user with that email."""
    by_email = {u["profile"]["email"].casefold(): u["id"] for u in org.okta.users}
    for user in org.cloudflare.scim_users:
        if "externalId" in user:
            assert by_email[user["userName"].casefold()] == user["externalId"]


# -- declared facts -------------------------------------------------------------------


def test_facts_for_the_default_are_expected() -> None:
    """facts_for(2026, 60) is EXPECTED."""
    assert facts_for(2026, 60) == EXPECTED


def test_expected_pins_the_default_scenario(org: Organization) -> None:
    """A few concrete facts of the default demo, so they cannot drift silently."""
    assert EXPECTED.account_id == org.cloudflare.account["id"]
    assert EXPECTED.step_status == {
        1: "done",
        2: "in progress",
        3: "in progress",
        4: "in progress",
        5: "in progress",
        6: "not started",
    }
    assert EXPECTED.go is False
    assert EXPECTED.members_at_risk["mallory@northwind.example"] == ("Administrator",)
    assert EXPECTED.members_at_risk["olivia.chen@northwind.example"] == (
        "Super Administrator - All Privileges",
    )
    assert "liam.walker@northwind.example" not in EXPECTED.members_at_risk
    assert len(EXPECTED.members_at_risk) == 21
    assert EXPECTED.not_in_idp == (
        "breakglass@northwind.example",
        "r.khan@partner.example",
    )
    assert EXPECTED.suspended_still_member == ("ethan.brooks@northwind.example",)
    assert EXPECTED.case_mismatch_emails == ("jose.garcia@northwind.example",)
    assert EXPECTED.user_groups_without_policies == ("Cloudflare-Billing",)
    assert EXPECTED.hostile_member_email == "mallory@northwind.example"


def test_at_risk_members_depend_on_a_virtual_group_alone(org: Organization) -> None:
    """Each lost permission group comes from a virtual group and nothing else."""
    scim = {u["userName"]: u for u in org.cloudflare.scim_users}
    groups = {g["name"]: g for g in org.cloudflare.user_groups}
    for email, lost in EXPECTED.members_at_risk.items():
        member = member_by_email(org, email)
        from_groups = [
            p
            for name in user_group_names(org, member["id"])
            for p in groups[name].get("policies", [])
        ]
        independent = {r["name"] for r in member["roles"]} - virtual_names(
            org, scim[email]
        )
        covered = allowed_names(org, member["policies"] + from_groups) | independent

        assert set(lost) <= virtual_names(org, scim[email])
        assert not set(lost) & covered, email


def test_members_not_at_risk_are_covered_for_each_virtual_group(
    org: Organization,
) -> None:
    """A virtual group member missing from members_at_risk has another grant."""
    groups = {g["name"]: g for g in org.cloudflare.user_groups}
    members = {
        m["user"]["id"]: m for m in org.cloudflare.members if m["status"] == "accepted"
    }
    for user in org.cloudflare.scim_users:
        member = members[user["id"]]
        if not virtual_names(org, user) or member["email"] in EXPECTED.members_at_risk:
            continue
        from_groups = [
            p
            for name in user_group_names(org, member["id"])
            for p in groups[name].get("policies", [])
        ]
        assert virtual_names(org, user) <= allowed_names(
            org, member["policies"] + from_groups
        )


def test_virtual_group_members_match_the_scim_users(org: Organization) -> None:
    """virtual_groups_with_members lists exactly the SCIM users in each v1 group."""
    names = {g["id"]: g["displayName"] for g in org.cloudflare.scim_groups}
    listed: dict[str, list[str]] = {}
    for user in org.cloudflare.scim_users:
        for group in user["groups"]:
            if group.startswith("cloudflare-v1-"):
                listed.setdefault(names[group], []).append(user["userName"])

    assert {k: tuple(sorted(v)) for k, v in listed.items()} == (
        EXPECTED.virtual_groups_with_members
    )


def test_suspended_and_deprovisioned_facts_match_okta(org: Organization) -> None:
    """Declared suspended and deprovisioned members are accepted and so in Okta."""
    status = {u["profile"]["email"].casefold(): u["status"] for u in org.okta.users}
    for email in EXPECTED.suspended_still_member:
        assert status[email] == "SUSPENDED"
        assert member_by_email(org, email)["status"] == "accepted"
    for email in EXPECTED.deprovisioned_still_member:
        assert status[email] == "DEPROVISIONED"
        assert member_by_email(org, email)["status"] == "accepted"
    assert "sophia.novak@northwind.example" in EXPECTED.deprovisioned_still_member


def test_not_in_idp_members_have_no_okta_user(org: Organization) -> None:
    """Members declared not in the IdP match no Okta user of any status."""
    emails = {u["profile"]["email"].casefold() for u in org.okta.users}
    members = {m["email"].casefold() for m in org.cloudflare.members}

    assert {e.casefold() for e in EXPECTED.not_in_idp} == members - emails


def test_the_case_mismatch_differs_only_in_case(org: Organization) -> None:
    """Okta spells the declared email in another case, equal when casefolded."""
    okta = {u["profile"]["email"] for u in org.okta.users}
    email = EXPECTED.case_mismatch_emails[0]
    spelled = [e for e in okta if e.casefold() == email.casefold()]

    assert spelled == ["Jose.Garcia@northwind.example"]
