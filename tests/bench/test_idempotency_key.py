"""The bench's Idempotency-Keys never look like a card number to the card guard."""

from bench.common import idempotency_key
from travelguru.card_numbers import contains_card_number


def test_ten_thousand_bench_keys_pass_the_card_guard_and_are_unique():
    keys = [idempotency_key() for _ in range(10_000)]

    assert not [k for k in keys if contains_card_number(k)]
    assert len(set(keys)) == len(keys)


def test_a_random_hex_key_can_look_like_a_card_which_is_why_the_bench_has_its_own():
    # A hex key holding a Luhn-valid digit run (as uuid4().hex sometimes does).
    assert contains_card_number("ab" + "4111111111111111" + "cdef0123456789")
