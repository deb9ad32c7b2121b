"""Analysis: effective grants, virtual groups, findings, steps and the verdict."""

from reporter.analyze.analyzer import analyze

__all__ = ["analyze"]
