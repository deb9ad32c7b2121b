"""The one email join key (ARCHITECTURE.md, idp-apis.md §8)."""

from __future__ import annotations

from reporter.analyze.identity import clean_email, email_key, name_key


def test_key_folds_case() -> None:
    """Addresses differing only in case share a key."""
    assert email_key("Bob@Example.COM") == "bob@example.com"


def test_key_strips_no_break_spaces() -> None:
    """A leading or trailing U+00A0 from an export does not change the key."""
    assert email_key("\u00a0alice@example.com\u00a0 ") == "alice@example.com"


def test_key_drops_zero_width_characters() -> None:
    """U+200B-U+200D and U+FEFF anywhere in the address are dropped."""
    raw = "\ufeffal\u200bi\u200cc\u200de@example.com"

    assert email_key(raw) == "alice@example.com"


def test_key_applies_nfkc() -> None:
    """Compatibility forms (fullwidth letters) fold to their plain letters."""
    assert email_key("ａｌｉｃｅ@example.com") == "alice@example.com"


def test_key_casefolds_beyond_lowercase() -> None:
    """casefold(), not lower(): the German sharp s matches "ss"."""
    assert email_key("STRASSE@example.com") == email_key("straße@example.com")


def test_clean_email_keeps_case() -> None:
    """The cleaned form drops invisible characters but keeps the typed case."""
    assert clean_email(" Carol\u200b@Example.com") == "Carol@Example.com"


def test_name_key_ignores_spacing_and_case() -> None:
    """Group names compare with runs of spaces collapsed and case folded."""
    assert name_key(" Cloudflare  Admins ") == name_key("cloudflare admins")
