"""The one email join key used between Cloudflare, SCIM and Okta.

IdPs keep typed capitalisation and exports carry NBSP and zero-width
characters (``idp-apis.md`` §8), so every source is joined on the same key.
"""

from __future__ import annotations

import unicodedata

# Zero-width space, non-joiner, joiner and the byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def clean_email(raw: str) -> str:
    """``raw`` in NFKC without invisible characters or surrounding whitespace.

    The case is kept, so two cleaned forms that differ only in case show an
    email typed differently on two sides.
    """
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    # str.strip() treats U+00A0 as whitespace; NFKC has already mapped it too.
    return text.strip()


def email_key(raw: str) -> str:
    """The join key of ``raw``: its cleaned form, case-folded."""
    return clean_email(raw).casefold()


def name_key(raw: str) -> str:
    """A group name folded for comparison: NFKC, single spaces, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", raw).split()).casefold()
