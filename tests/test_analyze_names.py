"""v1 virtual group names (cloudflare-api.md §6.3)."""

from __future__ import annotations

import pytest
from analyze_fixtures import ACCOUNT_ID, OTHER_ACCOUNT_ID

from reporter.analyze.names import V1Name, parse_v1_name, v1_permission_group_id


def test_spaced_form_parses() -> None:
    """``CF-<id> - <Role>`` yields the id and the role."""
    parsed = parse_v1_name(f"CF-{ACCOUNT_ID} - Administrator", ACCOUNT_ID)

    assert parsed == V1Name(ACCOUNT_ID, "Administrator", foreign=False)


def test_unspaced_form_parses() -> None:
    """``CF-<id>-<Role>`` (the migration guide's spelling) parses the same."""
    parsed = parse_v1_name(f"CF-{ACCOUNT_ID}-DNS", ACCOUNT_ID)

    assert parsed == V1Name(ACCOUNT_ID, "DNS", foreign=False)


def test_role_with_a_hyphen_stays_whole() -> None:
    """The split is at the first hyphen after the id, so ' - ' in a role stays."""
    name = f"CF-{ACCOUNT_ID} - Super Administrator - All Privileges"

    parsed = parse_v1_name(name, ACCOUNT_ID)

    assert parsed is not None
    assert parsed.role_name == "Super Administrator - All Privileges"


def test_trailing_spaces_are_not_part_of_the_role() -> None:
    """Spaces after the role name are dropped."""
    parsed = parse_v1_name(f"CF-{ACCOUNT_ID} - Billing   ", ACCOUNT_ID)

    assert parsed is not None
    assert parsed.role_name == "Billing"


@pytest.mark.parametrize("written", [ACCOUNT_ID.upper(), ACCOUNT_ID.lower()])
def test_account_id_compares_case_insensitively(written: str) -> None:
    """An upper-case id in the name is still the audited account."""
    parsed = parse_v1_name(f"CF-{written} - DNS", ACCOUNT_ID.lower())

    assert parsed is not None
    assert (parsed.account_id, parsed.foreign) == (written, False)


def test_uppercase_audited_id_matches_lowercase_name() -> None:
    """The audited id may itself be written in upper case."""
    parsed = parse_v1_name(f"CF-{ACCOUNT_ID} - DNS", ACCOUNT_ID.upper())

    assert parsed is not None
    assert parsed.foreign is False


def test_other_account_is_foreign() -> None:
    """A different 32-hex id marks the group foreign."""
    parsed = parse_v1_name(f"CF-{OTHER_ACCOUNT_ID} - Administrator", ACCOUNT_ID)

    assert parsed == V1Name(OTHER_ACCOUNT_ID, "Administrator", foreign=True)


@pytest.mark.parametrize(
    "name",
    [
        "Cloudflare-Admins",
        f"CF-{ACCOUNT_ID}",  # no role
        f"CF-{ACCOUNT_ID} - ",  # empty role
        f"CF-{ACCOUNT_ID[:31]} - DNS",  # 31 hex digits
        f"CF-{ACCOUNT_ID}0 - DNS",  # 33 hex digits
        f"CF-{'g' * 32} - DNS",  # not hex
        f"cf-{ACCOUNT_ID} - DNS",  # prefix is case-sensitive
        f" CF-{ACCOUNT_ID} - DNS",  # leading space
        f"CF {ACCOUNT_ID} - DNS",
        "CF Network Engineers",
    ],
)
def test_garbage_is_not_a_v1_name(name: str) -> None:
    """Names that do not follow the v1 form are rejected."""
    assert parse_v1_name(name, ACCOUNT_ID) is None


def test_scim_system_group_names_its_permission_group() -> None:
    """``cloudflare-v1-<id>`` yields the permission group id."""
    assert v1_permission_group_id("cloudflare-v1-39048d85") == "39048d85"


def test_custom_scim_group_names_no_permission_group() -> None:
    """A custom group id is not a v1 id."""
    assert v1_permission_group_id("3a44b8497d621e74ca9d85344d8017ce") is None
