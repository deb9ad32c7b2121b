"""The diff's own findings catalog and the findings it emits stay in step."""

from __future__ import annotations

from analyze_fixtures import member
from analyze_fixtures import policy as make_policy
from diff_fixtures import account, in_virtual_admin

from reporter.analyze.catalog import load_catalog, read_catalog
from reporter.diff import diff_analyses


def test_every_diff_catalog_entry_is_emitted() -> None:
    """A lost Administrator and a gained one emit exactly the diff catalog ids."""
    lost = diff_analyses(in_virtual_admin(), account([member("alice@example.com")]))
    gained = diff_analyses(
        account([member("bob@example.com")]),
        account([member("bob@example.com", policies=(make_policy("Administrator"),))]),
    )

    emitted = {f.check_id for d in (lost, gained) for f in d.findings}

    assert emitted == set(read_catalog("reporter.diff"))


def test_diff_ids_do_not_collide_with_the_analyzer() -> None:
    """A check id names one thing: the two catalogs share none."""
    assert not set(read_catalog("reporter.diff")) & set(load_catalog())


def test_diff_catalog_entries_are_complete() -> None:
    """Each diff entry has a title, rationale, remediation and references."""
    for entry in read_catalog("reporter.diff").values():
        assert entry.title and entry.rationale and entry.remediation, entry.check_id
        assert entry.references and entry.step in range(1, 7), entry.check_id
