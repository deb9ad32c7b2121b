"""One exception tree, split by pipeline stage.

Every error carries the offending value and a next step for the user, so the
CLI can print one line that says what happened and what to do about it.
"""

from __future__ import annotations

import os

# The environment variables holding secrets (not ids such as AZURE_CLIENT_ID).
SECRET_VARIABLES = (
    "CLOUDFLARE_API_TOKEN",
    "OKTA_API_TOKEN",
    "OKTA_PRIVATE_KEY",
    "AZURE_CLIENT_SECRET",
)


def secret_values() -> list[str]:
    """The secrets this process was given, longest first (8 characters or more)."""
    values = (os.environ.get(name, "") for name in SECRET_VARIABLES)
    return sorted((v for v in values if len(v) >= 8), key=len, reverse=True)


def without_secrets(text: str) -> str:
    """``text`` with every secret this process was given replaced."""
    for value in secret_values():
        text = text.replace(value, "[redacted]")
    return text


def may_be_secret(text: str) -> bool:
    """Whether ``text``, given where a name or path goes, could be a pasted token.

    A bare word of 20 or more characters mixing letters and digits, with no
    path separator, no space and no ``.zip``: Cloudflare's tokens have 40,
    Okta's 42, an Entra client secret about 40 with ``~`` and ``.``. An error
    then names it by its length, so it does not reach a terminal or CI log.
    A secret this process was given counts whatever its shape.
    """
    if text in secret_values():
        return True
    return (
        len(text) >= 20
        and "/" not in text
        and "\\" not in text
        and not text.lower().endswith(".zip")
        and not any(c.isspace() for c in text)
        and any(c.isdigit() for c in text)
        and any(c.isalpha() for c in text)
    )


def unshown(text: str) -> str:
    """How an error names ``text`` that ``may_be_secret``."""
    return f"the {len(text)}-character value given (not shown: it may be a secret)"


class ReporterError(Exception):
    """Base of every error this tool raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(ReporterError):
    """A missing or invalid option, environment variable or input file."""

    exit_code = 2


class CollectError(ReporterError):
    """An API answered in a way the collector cannot turn into evidence."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.status = status


class SnapshotError(ReporterError):
    """A snapshot file is missing, corrupt, tampered with or of another format."""

    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


class AnalyzeError(ReporterError):
    """The snapshot's content cannot be analysed."""


class RenderError(ReporterError):
    """A report could not be written."""
