"""Masking personal identifiers for display."""

from __future__ import annotations

import pytest

from cooperatives.masking import nik_mask


def test_it_shows_only_the_region_and_the_last_two_digits():
    assert nik_mask("1871011205850001") == "187101********01"


def test_the_birth_date_and_serial_never_show():
    masked = nik_mask("1871015205850123")
    assert "520585" not in masked
    assert "0123" not in masked
    assert len(masked) == 16


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_no_nik_masks_to_nothing(empty):
    assert nik_mask(empty) == ""


def test_a_value_too_short_to_mask_partly_is_hidden_whole():
    assert nik_mask("1871012") == "*******"
