"""The one email join key used between Cloudflare, SCIM and Okta.

IdPs keep typed capitalisation and exports carry NBSP and zero-width
characters (``idp-apis.md`` §8), so every source is joined on the same key.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Zero-width space, non-joiner, joiner and the byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def clean_email(raw: str) -> str:
    """``raw`` in NFKC without invisible characters or surrounding whitespace.

    The case is kept, so two cleaned forms that differ only in case show an
    email typed differently on two sides.
    """
    if raw.isascii():
        # NFKC leaves ASCII as it is and every invisible character is non-ASCII.
        return raw.strip()
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    # str.strip() treats U+00A0 as whitespace; NFKC has already mapped it too.
    return text.strip()


def email_key(raw: str) -> str:
    """The join key of ``raw``: its cleaned form, case-folded."""
    return clean_email(raw).casefold()


def name_key(raw: str) -> str:
    """A group name folded for comparison: NFKC, single spaces, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", raw).split()).casefold()


# Entra writes a guest's UPN as <local>_<domain>#EXT#@<tenant> (idp-apis.md §8).
_GUEST_MARK = "#ext#@"


def is_guest_upn(upn: str) -> bool:
    """Whether ``upn`` is an Entra B2B guest UPN (``…#EXT#@tenant``)."""
    return _GUEST_MARK in email_key(upn)


def guest_upn_candidates(upn: str) -> tuple[str, ...]:
    """Every address a guest UPN may encode, the likeliest first.

    The ``@`` of the guest's address became a ``_``; when the local part holds
    ``_`` too, each underscore is a possible split. Domains hold no ``_``, so
    the split at the last one comes first. Each result is a guess to review.
    """
    cleaned = clean_email(upn)
    cut = cleaned.casefold().find(_GUEST_MARK)
    if cut <= 0:
        return ()
    encoded = cleaned[:cut]
    splits = [i for i, char in enumerate(encoded) if char == "_"]
    found = []
    for index in reversed(splits):
        local, domain = encoded[:index], encoded[index + 1 :]
        if local and "." in domain:
            found.append(f"{local}@{domain}")
    return tuple(found)


@dataclass(frozen=True, slots=True)
class KeyForm:
    """One address an owner is known by, and how much it counts for matching.

    ``tier`` orders the fields a source offers (0 first: Entra ``mail`` before
    ``otherMails`` before ``userPrincipalName``); ``probable`` marks a decoded
    guest UPN, which can only ever be a match to review.
    """

    owner: str
    form: str
    tier: int
    probable: bool = False


class KeyIndex:
    """Owners by email key; a lookup answers the best tier that knows the key."""

    def __init__(self) -> None:
        self._forms: dict[str, list[KeyForm]] = {}

    def add(self, form: KeyForm) -> None:
        """Index ``form`` under its key; an empty form is not an address."""
        key = email_key(form.form)
        if key:
            self._forms.setdefault(key, []).append(form)

    def lookup(self, raw: str) -> tuple[KeyForm, ...]:
        """The forms with the key of ``raw`` at the best tier, exact before probable.

        Several owners in the answer make the match ambiguous: the caller
        reports it, it never picks one silently.
        """
        forms = self._forms.get(email_key(raw), [])
        if len(forms) < 2:
            return tuple(forms)  # one form is the best of its key
        exact = [f for f in forms if not f.probable]
        chosen = exact or forms
        if not chosen:
            return ()
        best = min(f.tier for f in chosen)
        return tuple(f for f in chosen if f.tier == best)
