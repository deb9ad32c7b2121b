"""The same snapshot in any list order gives an equal Analysis."""

from __future__ import annotations

import random
from typing import Any

from analyze_fixtures import analyze_entries, load_entries
from hypothesis import given, settings
from hypothesis import strategies as st

BASE = load_entries("mid_migration")
EXPECTED = analyze_entries(BASE)


def shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with every nested list and object order shuffled."""
    if isinstance(value, list):
        items = [shuffled(v, rng) for v in value]
        rng.shuffle(items)
        return items
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    return value


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_shuffled_input_gives_an_equal_analysis(rng: random.Random) -> None:
    """Shuffling every list and key order of the entries changes nothing."""
    entries = {name: shuffled(value, rng) for name, value in BASE.items()}

    assert analyze_entries(entries) == EXPECTED


def test_analysis_is_idempotent() -> None:
    """Analysing the same entries twice gives equal results."""
    assert analyze_entries(BASE) == analyze_entries(BASE)
