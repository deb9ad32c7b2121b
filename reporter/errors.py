"""One exception tree, split by pipeline stage.

Every error carries the offending value and a next step for the user, so the
CLI can print one line that says what happened and what to do about it.
"""

from __future__ import annotations


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
