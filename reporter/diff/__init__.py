"""Compare two analyses of one account: per-member access and findings."""

from reporter.diff.compare import diff_analyses
from reporter.diff.model import DiffResult, MemberVerdict

__all__ = ["DiffResult", "MemberVerdict", "diff_analyses"]
