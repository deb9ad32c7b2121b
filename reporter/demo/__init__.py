"""The seeded demo organization and the facts its analysis must produce."""

from reporter.demo.generator import build_organization

__all__ = ["build_organization"]
