"""Codes given to hotels and room types staff did not name: unique across a large catalog."""

import math
import re

import pytest

from catalog.models import new_hotel_code, new_room_type_code


@pytest.mark.parametrize(("draw", "prefix"), [(new_hotel_code, "H"), (new_room_type_code, "R")])
def test_a_new_code_carries_64_random_bits(draw, prefix):
    codes = [draw() for _ in range(5000)]
    assert all(re.fullmatch(rf"{prefix}[0-9A-F]{{16}}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    # The birthday bound for a million hotels: the chance that any two of them drew the
    # same code stays below one in ten million (with 32 bits it was near certain).
    bits = 4 * (len(codes[0]) - len(prefix))
    assert 1 - math.exp(-((10**6) ** 2) / 2 ** (bits + 1)) < 1e-7
