"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def openapi_spec_path() -> Path:
    """The trimmed Cloudflare OpenAPI description beside the checkout."""
    path = SHARED / "specs" / "cloudflare-iam-subset.openapi.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing: the tests need ../shared beside the checkout")
    return path
