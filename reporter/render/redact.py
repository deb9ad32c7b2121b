"""Pseudonyms for people, so reports can go to auditors outside the company.

``redact`` rewrites an ``Analysis`` before any renderer sees it: each member's
name becomes ``Person 0001`` and every email address, wherever it appears (in
a field, a finding's text, a blocker, a request path), becomes
``person-0001@redacted.invalid``. Logins and SCIM userNames that are not
addresses become ``person-0001``, the account name ``Redacted account`` and
the host of each source URL (the Okta org names the company)
``<system>.redacted.invalid``; each of these is also replaced wherever it
appears in free text. One person keeps one number in every format because
every format is rendered from the same redacted analysis. The key
(pseudonym to real values) is written apart, readable by its owner only.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from reporter.analyze.model import Analysis, Evidence, MemberAccess
from reporter.render import write_outputs
from reporter.render.audit_log import AuditLogView
from reporter.snapshot.io import utf8_json
from reporter.suppress import Suppression

REDACTION_KEY = "redaction-key.json"  # the key's file name in the output folder
PSEUDONYM_DOMAIN = "redacted.invalid"  # RFC 2606: can never be a real address
ACCOUNT_PSEUDONYM = "Redacted account"
# The public Cloudflare API names nobody; any other host (a proxy, an Okta
# org such as northwind.okta.com) may name the company.
PUBLIC_HOSTS = frozenset({"api.cloudflare.com"})
# An address in plain text or URL-encoded in a request path (%40 for @).
# Its local part is matched whole, with the characters RFC 5322 allows there
# ("ann&bob@" left "ann&" before); a quote never starts it, so quotes around
# it stay. "/" and "?" are left out: they end a path or a query's key, and
# the address after them must still be found.
_LOCAL_START = r"-\w!#$%&*+=^`{|}~"
EMAIL = re.compile(
    f"(?<![{_LOCAL_START}.])[{_LOCAL_START}][{_LOCAL_START}.']*"
    r"(?:@|%40)[\w-]+(?:\.[\w-]+)+"
)
# A name or login this short is also a common word or syllable ("Li", "Al"):
# its own field is still replaced, but free text is not searched for it.
MIN_LITERAL = 3
T = TypeVar("T")


@dataclass
class Pseudonyms:
    """The numbering of people met so far and what each number stands for."""

    numbers: dict[str, int] = field(default_factory=dict)  # email key -> number
    emails: dict[str, list[str]] = field(default_factory=dict)  # pseudonym -> forms
    names: dict[str, str] = field(default_factory=dict)  # pseudonym -> real name
    logins: dict[str, list[str]] = field(default_factory=dict)  # pseudonym -> forms
    others: dict[str, str] = field(default_factory=dict)  # account name, hosts
    # Real value (casefolded) -> pseudonym, searched for in every string.
    literals: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def number(self, email: str) -> int:
        """The person number of ``email``, given on first sight."""
        number = self._number_of(email)
        forms = self.emails.setdefault(email_pseudonym(number), [])
        if email not in forms:
            forms.append(email)
        return number

    def login(self, login: str, email: str | None = None) -> str:
        """The pseudonym of a login that is not an address.

        ``email`` is the address of the member it joins to, if any, so the
        login and the address share one person number.
        """
        number = self.number(email) if email else self._number_of(login)
        pseudonym = f"person-{number:04d}"
        forms = self.logins.setdefault(pseudonym, [])
        if login not in forms:
            forms.append(login)
        self.literal(login, pseudonym)
        return pseudonym

    def literal(self, real: str, pseudonym: str) -> None:
        """Replace ``real`` with ``pseudonym`` wherever free text holds it."""
        key = real.strip().casefold()
        if len(key) >= MIN_LITERAL and key not in self.literals:
            self.literals[key] = pseudonym
            self._pattern = None

    def replace_text(self, text: str) -> str:
        """``text`` with every address and every known real value replaced."""
        text = EMAIL.sub(self._replacement, text)
        pattern = self._literal_pattern()
        if pattern is None:
            return text
        return pattern.sub(lambda m: self.literals[m.group(0).casefold()], text)

    def _number_of(self, identifier: str) -> int:
        key = _email_key(identifier)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        email = found.replace("%40", "@")
        pseudonym = email_pseudonym(self.number(email))
        return pseudonym.replace("@", "%40") if "%40" in found else pseudonym

    def _literal_pattern(self) -> re.Pattern[str] | None:
        if not self.literals:
            return None
        if self._pattern is None:
            # Longest first, so "Ana Souza" wins over a login "ana".
            ordered = sorted(self.literals, key=len, reverse=True)
            alternatives = "|".join(re.escape(value) for value in ordered)
            self._pattern = re.compile(
                rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE
            )
        return self._pattern

    def key(self) -> dict[str, Any]:
        """The key file's content: each pseudonym and the real values it hides."""
        return {
            "emails": self.emails,
            "names": self.names,
            "logins": self.logins,
            "other": self.others,
        }


@dataclass(frozen=True)
class Redaction:
    """A redacted analysis and the pseudonyms that undo it."""

    analysis: Analysis
    pseudonyms: Pseudonyms


def email_pseudonym(number: int) -> str:
    """The address that stands for person ``number``."""
    return f"person-{number:04d}@{PSEUDONYM_DOMAIN}"


def name_pseudonym(number: int) -> str:
    """The name that stands for person ``number``."""
    return f"Person {number:04d}"


def redact(analysis: Analysis) -> Redaction:
    """Replace every person, the account name and source hosts in ``analysis``."""
    pseudonyms = Pseudonyms()
    # Members first, in the analysis's order, so member n is Person n.
    for member in analysis.members:
        number = pseudonyms.number(member.email)
        if member.name:
            pseudonyms.names[name_pseudonym(number)] = member.name
            pseudonyms.literal(member.name, name_pseudonym(number))
    _learn_logins(analysis, pseudonyms)
    _learn_account(analysis, pseudonyms)
    evidence = _redact_sources(analysis.evidence, pseudonyms)

    members = tuple(_member(m, pseudonyms) for m in analysis.members)
    bare = dataclasses.replace(
        analysis,
        members=(),
        account_name=ACCOUNT_PSEUDONYM if analysis.account_name else "",
        evidence=evidence,
    )
    rest = _walk(bare, pseudonyms)
    return Redaction(dataclasses.replace(rest, members=members), pseudonyms)


def redact_suppressions(
    suppressions: Iterable[Suppression], analysis: Analysis, pseudonyms: Pseudonyms
) -> tuple[Suppression, ...]:
    """The suppressions as they apply to the redacted analysis of ``analysis``.

    A check-and-subject suppression matches the real subject, which redaction
    rewrites; so each becomes one suppression per finding it matches (by
    finding id, which redaction keeps), under the same number. One that
    matches nothing keeps its check, its subject redacted. Owner and reason
    may name people, so they are redacted too.
    """
    redacted: list[Suppression] = []
    for suppression in suppressions:
        text = dataclasses.replace(
            suppression,
            owner=pseudonyms.replace_text(suppression.owner),
            reason=pseudonyms.replace_text(suppression.reason),
        )
        if suppression.finding_id is not None:
            redacted.append(text)
            continue
        matched = [f.finding_id for f in analysis.findings if suppression.matches(f)]
        redacted += [
            dataclasses.replace(text, finding_id=fid, check=None, subject="*")
            for fid in matched
        ]
        if not matched:
            subject = pseudonyms.replace_text(suppression.subject)
            redacted.append(dataclasses.replace(text, subject=subject))
    return tuple(redacted)


def _learn_logins(analysis: Analysis, pseudonyms: Pseudonyms) -> None:
    """Number the Okta logins and SCIM userNames that are not addresses."""
    emails = {m.member_id: m.email for m in analysis.members}
    for assignment in analysis.idp_assignments:
        if assignment.login and not EMAIL.fullmatch(assignment.login.strip()):
            member_email = emails.get(assignment.member_id or "")
            pseudonyms.login(assignment.login, member_email)
    for group in analysis.virtual_groups:
        for login in group.members:
            if login and not EMAIL.fullmatch(login.strip()):
                pseudonyms.login(login)


def _learn_account(analysis: Analysis, pseudonyms: Pseudonyms) -> None:
    if analysis.account_name:
        pseudonyms.others[ACCOUNT_PSEUDONYM] = analysis.account_name
        pseudonyms.literal(analysis.account_name, ACCOUNT_PSEUDONYM)


def _redact_sources(
    evidence: Evidence | None, pseudonyms: Pseudonyms
) -> Evidence | None:
    """Each source URL with its host replaced, unless it is a public API host."""
    if evidence is None:
        return None
    sources = []
    for system, url in evidence.sources:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host or host in PUBLIC_HOSTS:
            sources.append((system, url))
            continue
        pseudonym = f"{system}.{PSEUDONYM_DOMAIN}"
        pseudonyms.others.setdefault(pseudonym, parts.netloc)
        pseudonyms.literal(parts.netloc, pseudonym)
        pseudonyms.literal(host, pseudonym)
        sources.append((system, urlunsplit(parts._replace(netloc=pseudonym))))
    return dataclasses.replace(evidence, sources=tuple(sources))


def _member(member: MemberAccess, pseudonyms: Pseudonyms) -> MemberAccess:
    number = pseudonyms.number(member.email)
    walked = _walk(member, pseudonyms)
    return dataclasses.replace(
        walked, name=name_pseudonym(number) if member.name else ""
    )


def _walk(value: T, pseudonyms: Pseudonyms) -> T:
    """``value`` with people replaced in every string it holds, at any depth."""
    result: Any
    if isinstance(value, Enum):
        result = value  # a StrEnum is a str, but never a person
    elif isinstance(value, str):
        result = pseudonyms.replace_text(value)
    elif isinstance(value, tuple):
        result = tuple(_walk(item, pseudonyms) for item in value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), pseudonyms)
            for f in dataclasses.fields(value)
        }
        result = dataclasses.replace(value, **changes)
    else:
        result = value
    return result  # type: ignore[no-any-return]


def _email_key(email: str) -> str:
    # The join key of docs/ARCHITECTURE.md: NFKC, no zero-width characters,
    # no surrounding whitespace, casefolded. One person, one pseudonym.
    text = unicodedata.normalize("NFKC", email)
    text = re.sub("[\u200b-\u200d\ufeff]", "", text)
    return text.strip().casefold()


def redact_audit_log(view: AuditLogView, pseudonyms: Pseudonyms) -> AuditLogView:
    """The audit-log evidence with its actors and texts redacted like the rest."""
    return _walk(view, pseudonyms)


def key_bytes(pseudonyms: Pseudonyms) -> bytes:
    """The redaction key file's content, as UTF-8 JSON."""
    data = json.dumps(pseudonyms.key(), ensure_ascii=False, indent=2, sort_keys=True)
    return utf8_json(data + "\n")


def write_key(pseudonyms: Pseudonyms, path: Path) -> Path:
    """Write the redaction key to ``path``, readable by its owner only."""
    # The same atomic, owner-only writer as the reports themselves.
    (written,) = write_outputs(path.parent, [(path.name, key_bytes(pseudonyms))])
    return written
