"""Suppressions: validation of the file, matching, expiry, unmatched entries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reporter.analyze.model import Finding, Severity
from reporter.errors import ConfigError
from reporter.suppress import apply_suppressions, load_suppressions

TODAY = date(2026, 6, 1)
BREAKGLASS = Finding(
    check_id="direct-grant-bypasses-idp",
    severity=Severity.MEDIUM,
    title="Member holds access the IdP does not manage",
    subject="breakglass@northwind.example",
    detail="Granted outside the IdP.",
    finding_id="0123456789abcdef",
)
PARTNER = Finding(
    check_id="member-not-in-okta",
    severity=Severity.MEDIUM,
    title="Cloudflare member is unknown to Okta",
    subject="r.khan@partner.example",
    detail="No Okta user.",
    finding_id="fedcba9876543210",
)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suppressions.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _entry(target: str, expires: str = "2026-12-31") -> str:
    return (
        '[[suppress]]\nowner = "secops@northwind.example"\n'
        f'reason = "accepted"\nexpires = {expires}\n{target}\n'
    )


def test_check_and_subject_glob_suppress_a_finding(tmp_path: Path) -> None:
    """A check with a subject glob accepts the matching finding only."""
    path = _file(
        tmp_path,
        _entry('check = "direct-grant-bypasses-idp"\nsubject = "breakglass@*"'),
    )

    outcome = apply_suppressions([BREAKGLASS, PARTNER], load_suppressions(path), TODAY)

    assert [j.suppressed for j in outcome.judged] == [True, False]
    assert outcome.open == (PARTNER,)


def test_finding_id_suppresses_that_finding(tmp_path: Path) -> None:
    """A finding id accepts exactly the finding with that id."""
    path = _file(tmp_path, _entry('finding_id = "fedcba9876543210"'))

    outcome = apply_suppressions([BREAKGLASS, PARTNER], load_suppressions(path), TODAY)

    assert outcome.open == (BREAKGLASS,)


def test_suppression_applies_on_its_expiry_day(tmp_path: Path) -> None:
    """The expiry date itself is still covered."""
    path = _file(tmp_path, _entry('finding_id = "fedcba9876543210"', "2026-06-01"))

    outcome = apply_suppressions([PARTNER], load_suppressions(path), TODAY)

    assert (outcome.open, outcome.expired) == ((), ())


def test_expired_suppression_no_longer_applies_and_is_reported(tmp_path: Path) -> None:
    """After the expiry date the finding is open again and the entry is expired."""
    path = _file(tmp_path, _entry('finding_id = "fedcba9876543210"', "2026-05-31"))

    outcome = apply_suppressions([PARTNER], load_suppressions(path), TODAY)

    assert outcome.open == (PARTNER,)
    assert [s.number for s in outcome.expired] == [1]
    assert outcome.unmatched == ()


def test_suppression_matching_nothing_is_reported(tmp_path: Path) -> None:
    """An active entry that matches no finding is listed as unmatched."""
    path = _file(
        tmp_path,
        _entry('finding_id = "fedcba9876543210"')
        + _entry('check = "member-not-in-okta"\nsubject = "*@nowhere.example"'),
    )

    outcome = apply_suppressions([PARTNER], load_suppressions(path), TODAY)

    assert [s.target for s in outcome.unmatched] == [
        "check member-not-in-okta, subject *@nowhere.example"
    ]


def test_second_match_is_not_unmatched(tmp_path: Path) -> None:
    """Two entries naming the same finding both count as matching."""
    path = _file(
        tmp_path,
        _entry('finding_id = "fedcba9876543210"')
        + _entry('check = "member-not-in-okta"'),
    )

    outcome = apply_suppressions([PARTNER], load_suppressions(path), TODAY)

    assert outcome.unmatched == ()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            _entry('finding_id = "fedcba9876543210"', '"next year"'),
            "suppress[1].expires",
        ),
        (
            '[[suppress]]\nowner = "a"\nexpires = 2026-12-31\n'
            'check = "member-not-in-okta"\n',
            "suppress[1].reason",
        ),
        (_entry('finding_id = "xyz"'), "suppress[1].finding_id"),
        (_entry('check = "no-such-check"'), "no-such-check"),
        (
            _entry('finding_id = "fedcba9876543210"\ncheck = "member-not-in-okta"'),
            "exactly one of finding_id or check",
        ),
        (_entry('finding_id = "fedcba9876543210"\nsubject = "*"'), "subject"),
        (
            _entry('finding_id = "fedcba9876543210"\ncolour = "red"'),
            "suppress[1].colour",
        ),
    ],
)
def test_malformed_file_names_file_and_field(
    tmp_path: Path, text: str, field: str
) -> None:
    """A bad entry is a usage error naming the file and the offending field."""
    path = _file(tmp_path, text)

    with pytest.raises(ConfigError) as caught:
        load_suppressions(path)

    assert str(path) in str(caught.value)
    assert field in str(caught.value)
    assert caught.value.exit_code == 2


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    """A syntax error is reported with the file name."""
    path = _file(tmp_path, "[[suppress]\nowner = ")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_suppressions(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    """A file that does not exist is a usage error naming it."""
    with pytest.raises(ConfigError, match=r"absent\.toml"):
        load_suppressions(tmp_path / "absent.toml")
