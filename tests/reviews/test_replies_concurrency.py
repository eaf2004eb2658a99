"""Two managers answer one review at the same instant: one reply is kept, the other told."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from reviews.errors import ReplyExists
from reviews.models import ReviewReply
from reviews.replies import reply_create
from tests.factories.accounts import UserFactory
from tests.reviews.test_replies import manager_of, public_review

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def test_of_two_replies_sent_at_once_one_is_kept_and_the_other_gets_a_clear_error(room_type, day):
    # given: a public review and two managers of its hotel
    review = public_review(room_type, day)
    managers = [manager_of(room_type.hotel, email=f"m{n}@example.com") for n in range(2)]
    barrier = threading.Barrier(len(managers))

    def send(n: int) -> str:
        barrier.wait()
        try:
            reply_create(manager=managers[n], review_id=review.pk, text=f"Reply {n}",
                         now=timezone.now())  # fmt: skip
        except ReplyExists:
            return "refused"
        finally:
            connections.close_all()
        return "kept"

    # when
    with ThreadPoolExecutor(max_workers=len(managers)) as pool:
        outcomes = list(pool.map(send, range(len(managers))))

    # then
    assert sorted(outcomes) == ["kept", "refused"]
    kept = ReviewReply.objects.get(review=review)
    assert kept.text == f"Reply {outcomes.index('kept')}"
    assert UserFactory._meta.model.objects.filter(review_replies__isnull=False).count() == 1
