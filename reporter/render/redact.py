"""Pseudonyms for people, so reports can go to auditors outside the company.

``redact`` rewrites an ``Analysis`` before any renderer sees it: each member's
name becomes ``Person 0001`` and every email address, wherever it appears (in
a field, a finding's text, a blocker, a request path), becomes
``person-0001@redacted.invalid``. One person keeps one number in every format
because every format is rendered from the same redacted analysis. The key
(pseudonym to real values) is written apart, readable by its owner only.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from reporter.analyze.model import Analysis, MemberAccess
from reporter.render import write_outputs

REDACTION_KEY = "redaction-key.json"  # the key's file name in the output folder
PSEUDONYM_DOMAIN = "redacted.invalid"  # RFC 2606: can never be a real address
# An address in plain text or URL-encoded in a request path (%40 for @).
# The local part starts with a letter or digit, so quotes around it stay.
EMAIL = re.compile(r"(?<![\w.+-])\w[\w.+'-]*(?:@|%40)[\w-]+(?:\.[\w-]+)+")
T = TypeVar("T")


@dataclass
class Pseudonyms:
    """The numbering of people met so far and what each number stands for."""

    numbers: dict[str, int] = field(default_factory=dict)  # email key -> number
    emails: dict[str, list[str]] = field(default_factory=dict)  # pseudonym -> forms
    names: dict[str, str] = field(default_factory=dict)  # pseudonym -> real name

    def number(self, email: str) -> int:
        """The person number of ``email``, given on first sight."""
        key = _email_key(email)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        number = self.numbers[key]
        forms = self.emails.setdefault(email_pseudonym(number), [])
        if email not in forms:
            forms.append(email)
        return number

    def replace_emails(self, text: str) -> str:
        """``text`` with every email address replaced by its pseudonym."""
        return EMAIL.sub(self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        email = found.replace("%40", "@")
        pseudonym = email_pseudonym(self.number(email))
        return pseudonym.replace("@", "%40") if "%40" in found else pseudonym

    def key(self) -> dict[str, Any]:
        """The key file's content: each pseudonym and the real values it hides."""
        return {"emails": self.emails, "names": self.names}


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
    """Replace every member's name and every email address in ``analysis``."""
    pseudonyms = Pseudonyms()
    # Members first, in the analysis's order, so member n is Person n.
    for member in analysis.members:
        pseudonyms.number(member.email)

    members = tuple(_member(m, pseudonyms) for m in analysis.members)
    rest = _walk(dataclasses.replace(analysis, members=()), pseudonyms)
    return Redaction(dataclasses.replace(rest, members=members), pseudonyms)


def _member(member: MemberAccess, pseudonyms: Pseudonyms) -> MemberAccess:
    number = pseudonyms.number(member.email)
    if member.name:
        pseudonyms.names[name_pseudonym(number)] = member.name
    walked = _walk(member, pseudonyms)
    return dataclasses.replace(
        walked, name=name_pseudonym(number) if member.name else ""
    )


def _walk(value: T, pseudonyms: Pseudonyms) -> T:
    """``value`` with emails replaced in every string it holds, at any depth."""
    result: Any
    if isinstance(value, Enum):
        result = value  # a StrEnum is a str, but never a person
    elif isinstance(value, str):
        result = pseudonyms.replace_emails(value)
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


def write_key(pseudonyms: Pseudonyms, path: Path) -> Path:
    """Write the redaction key to ``path``, readable by its owner only."""
    data = json.dumps(pseudonyms.key(), ensure_ascii=False, indent=2, sort_keys=True)
    # The same atomic, owner-only writer as the reports themselves.
    (written,) = write_outputs(path.parent, [(path.name, (data + "\n").encode())])
    return written
