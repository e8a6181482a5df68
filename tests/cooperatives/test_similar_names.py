"""Likely duplicates are names difflib rates at least 0.8 alike; the cheap upper bounds tried
first (cooperatives.selectors._similar) never change that answer, only skip work."""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher

from hypothesis import given
from hypothesis import strategies as st

from cooperatives.selectors import _normalised, _similar

WORDS = ["Kripik", "Keripik", "Barokah", "Barakah", "Toko", "Warung", "Jaya", "Kopi", "123"]
names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join) | st.text(
    alphabet="aAbBkKr ipo12", min_size=1, max_size=20
)


@given(names, names)
def test_the_quick_bounds_give_difflibs_answer(name, other):
    wanted, other = _normalised(name), _normalised(other)
    if not wanted:
        return
    expected = SequenceMatcher(None, wanted, other).ratio() >= 0.8
    assert _similar(wanted, Counter(wanted), other) == expected


def test_a_spelling_variant_is_similar_and_another_name_is_not():
    wanted = _normalised("Kripik  Barokah")
    assert _similar(wanted, Counter(wanted), _normalised("Keripik Barokah"))
    assert not _similar(wanted, Counter(wanted), _normalised("Warung Jaya 123"))
