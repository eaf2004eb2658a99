"""A property answers its reviews: one moderated reply per review, shown under it, signed by
the property; its managers reach nothing of other properties' reviews."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts import roles
from audit.models import AuditEntry
from reviews.errors import NotYourProperty, ReplyExists
from reviews.models import ManagedProperty, Review, ReviewReply, ReviewStatus, Subject
from reviews.replies import reply_approve, reply_create, reply_edit, reply_reject
from reviews.services import review_approve
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer
from tests.factories.trips import review_for, trip_for

pytestmark = pytest.mark.django_db
URL = "/admin/reviews/review/"


def public_review(room_type, day, *, title="Lovely stay") -> Review:
    """An approved review of `room_type`'s hotel by a new guest."""
    booking = trip_for(UserFactory.create(), hotel_offer(room_type, day, 1), done=True)
    review = review_for(booking, title=title)
    return review_approve(review, staff=UserFactory.create(is_staff=True), now=timezone.now())


def manager_of(*hotels, email="manager@example.com"):
    roles.roles_sync()
    manager = UserFactory.create(email=email, is_staff=True)
    manager.groups.add(Group.objects.get(name=roles.PROPERTY_MANAGER))
    for hotel in hotels:
        ManagedProperty.objects.create(user=manager, subject=Subject.HOTEL, subject_id=hotel.pk)
    return manager


def moderator():
    roles.roles_sync()
    staff = UserFactory.create(is_staff=True)
    staff.groups.add(Group.objects.get(name=roles.CONTENT_MODERATOR))
    return staff


@pytest.fixture
def other_room_type(day):
    other = RoomTypeFactory.create(hotel__currency="EUR", hotel__name="Hotel Elsewhere")
    room_nights(other, day, 1, rooms_total=3)
    return other


def public_reply(client, hotel_id: int) -> Any:
    return client.get(f"/api/hotels/{hotel_id}/reviews").json()["results"][0]["reply"]


# --- the reply's life: written, moderated, shown, edited --------------------------------


def test_a_reply_is_public_only_once_approved_and_is_signed_by_the_property(client, room_type, day):
    # given
    review = public_review(room_type, day)
    manager = manager_of(room_type.hotel)
    now = timezone.now()

    # when: written, it waits for a moderator
    reply = reply_create(manager=manager, review_id=review.pk, text="  Thank you, Ada!  ", now=now)
    hidden = public_reply(client, room_type.hotel_id)
    reply_approve(reply, staff=moderator(), now=now)

    # then
    assert hidden is None
    assert public_reply(client, room_type.hotel_id) == {
        "text": "Thank you, Ada!",
        "created_at": now.isoformat(),
        "responder": room_type.hotel.name,
    }


def test_an_edited_reply_goes_back_to_moderation_and_is_hidden_until_approved(
    client, room_type, day
):
    review = public_review(room_type, day)
    manager = manager_of(room_type.hotel)
    staff = moderator()
    reply = reply_create(manager=manager, review_id=review.pk, text="Thanks!", now=timezone.now())
    reply_approve(reply, staff=staff, now=timezone.now())

    edited = reply_edit(manager=manager, review_id=review.pk, text="Thanks, see you soon!",
                        now=timezone.now())  # fmt: skip

    assert (edited.status, edited.moderated_by) == (ReviewStatus.PENDING, None)
    assert public_reply(client, room_type.hotel_id) is None
    reply_approve(edited, staff=staff, now=timezone.now())
    assert public_reply(client, room_type.hotel_id)["text"] == "Thanks, see you soon!"


def test_a_rejected_reply_is_never_shown(client, room_type, day):
    review = public_review(room_type, day)
    reply = reply_create(manager=manager_of(room_type.hotel), review_id=review.pk,
                         text="Call me on my cell", now=timezone.now())  # fmt: skip

    reply_reject(reply, staff=moderator(), reason="personal contact", now=timezone.now())

    assert public_reply(client, room_type.hotel_id) is None
    assert ReviewReply.objects.get().moderation_reason == "personal contact"


def test_a_review_has_one_reply_and_a_second_one_is_a_clear_error(room_type, day):
    review = public_review(room_type, day)
    first, second = manager_of(room_type.hotel), manager_of(room_type.hotel, email="b@example.com")
    reply_create(manager=first, review_id=review.pk, text="First answer", now=timezone.now())

    with pytest.raises(ReplyExists):
        reply_create(manager=second, review_id=review.pk, text="Second", now=timezone.now())

    assert list(ReviewReply.objects.values_list("text", flat=True)) == ["First answer"]


def test_the_database_itself_refuses_a_second_reply_to_a_review(room_type, day):
    review = public_review(room_type, day)
    now = timezone.now()
    ReviewReply.objects.create(review=review, text="One", created_at=now, updated_at=now)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewReply.objects.create(review=review, text="Two", created_at=now, updated_at=now)


def test_a_manager_cannot_answer_another_propertys_or_a_not_yet_public_review(
    room_type, other_room_type, day
):
    theirs = public_review(other_room_type, day)
    pending = review_for(trip_for(UserFactory.create(), hotel_offer(room_type, day, 1), done=True))
    manager = manager_of(room_type.hotel)

    for review in (theirs, pending):
        with pytest.raises(NotYourProperty):
            reply_create(manager=manager, review_id=review.pk, text="Hi", now=timezone.now())
        with pytest.raises(NotYourProperty):
            reply_edit(manager=manager, review_id=review.pk, text="Hi", now=timezone.now())

    assert not ReviewReply.objects.exists()


def test_erasing_a_review_takes_its_reply_with_it(room_type, day):
    from reviews.services import review_delete

    review = public_review(room_type, day)
    reply_create(manager=manager_of(room_type.hotel), review_id=review.pk, text="Thanks",
                 now=timezone.now())  # fmt: skip

    review_delete(review, now=timezone.now())

    assert not ReviewReply.objects.exists()


# --- the admin: every road a manager could take to another property's reviews -----------


@pytest.fixture
def two_hotels(room_type, other_room_type, day):
    """A manager of the first hotel; a public review of each hotel, and a pending one of
    the first."""
    mine = public_review(room_type, day, title="Mine to answer")
    theirs = public_review(other_room_type, day, title="Not mine at all")
    pending = review_for(trip_for(UserFactory.create(), hotel_offer(room_type, day, 1),
                                  done=True), title="Still pending")  # fmt: skip
    manager = manager_of(room_type.hotel)
    return log_in_verified(Client(), manager), mine, theirs, pending


def test_a_manager_lists_only_the_public_reviews_of_their_own_properties(two_hotels):
    client, mine, theirs, pending = two_hotels

    listed = client.get(URL).content.decode()
    searched = client.get(URL, {"q": "Not mine"}).content.decode()

    assert mine.title in listed
    assert theirs.title not in listed
    assert pending.title not in listed
    assert theirs.title not in searched
    # No traveler's account, no moderation state or screen flags in a manager's list.
    assert mine.user.email not in listed
    assert "Approved (public)" not in listed


def test_a_manager_cannot_open_another_propertys_review_by_its_id(two_hotels):
    client, mine, theirs, pending = two_hotels

    for review in (theirs, pending):
        for page in ("change", "history"):
            response = client.get(f"{URL}{review.pk}/{page}/")
            # The admin answers as for an id that does not exist: back to its index.
            assert response.status_code == 302, (review.title, page)
            assert theirs.title not in client.get(response.url).content.decode()
        assert client.get(f"{URL}{review.pk}/delete/").status_code in (302, 403)
    own = client.get(f"{URL}{mine.pk}/change/").content.decode()
    assert mine.text in own
    assert mine.user.email not in own


def test_a_manager_cannot_reply_to_another_propertys_review_through_the_action(two_hotels):
    client, mine, theirs, pending = two_hotels

    for review in (theirs, pending):
        form = client.post(URL, {"action": "reply", "_selected_action": [review.pk]})
        sent = client.post(URL, {"action": "reply", "_selected_action": [review.pk],
                                 "post": "yes", "text": "Sneaky reply"})  # fmt: skip
        assert review.text not in form.content.decode()
        assert sent.status_code in (200, 302)

    assert not ReviewReply.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="review.reply").exists()


def test_a_managers_api_token_shows_no_more_than_anyone_sees(two_hotels, client_of, client):
    # The API has no manager operation: with a manager's token the public lists answer as
    # for anyone (approved reviews, approved replies, no moderation state).
    _, mine, theirs, pending = two_hotels
    reply_create(manager=ManagedProperty.objects.get().user, review_id=mine.pk,
                 text="Not yet approved", now=timezone.now())  # fmt: skip
    api = client_of(ManagedProperty.objects.get().user)

    for review in (mine, theirs):
        url = f"/api/hotels/{review.subject_id}/reviews"
        assert api.get(url).json() == client.get(url).json()
    listed = api.get(f"/api/hotels/{mine.subject_id}/reviews").json()["results"]
    assert [(r["title"], r["reply"]) for r in listed] == [(mine.title, None)]
    assert pending.title not in str(listed)
    assert "status" not in listed[0]


def test_a_manager_replies_and_edits_through_the_admin_and_each_version_is_audited(two_hotels):
    client, mine, theirs, pending = two_hotels

    form = client.post(URL, {"action": "reply", "_selected_action": [mine.pk]})
    client.post(URL, {"action": "reply", "_selected_action": [mine.pk], "post": "yes",
                      "text": "Thank you for staying with us."})  # fmt: skip
    reply_approve(ReviewReply.objects.get(), staff=moderator(), now=timezone.now())
    client.post(URL, {"action": "reply", "_selected_action": [mine.pk], "post": "yes",
                      "editing": "yes", "text": "Thank you, come back soon."})  # fmt: skip

    assert form.status_code == 200
    assert mine.text in form.content.decode()
    reply = ReviewReply.objects.get()
    assert (reply.review_id, reply.text, reply.status) == (
        mine.pk, "Thank you, come back soon.", ReviewStatus.PENDING,
    )  # fmt: skip
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "target_id")) == [
        ("review.reply", str(mine.pk)), ("review.reply_edit", str(mine.pk)),
    ]  # fmt: skip


def test_a_second_reply_written_meanwhile_is_refused_in_the_admin_not_overwritten(two_hotels):
    client, mine, _, _ = two_hotels
    other = manager_of(email="c@example.com")
    ManagedProperty.objects.create(user=other, subject=mine.subject, subject_id=mine.subject_id)
    # Both opened the reply page while there was none; the other manager sent theirs first.
    reply_create(manager=other, review_id=mine.pk, text="Theirs first", now=timezone.now())

    response = client.post(URL, {"action": "reply", "_selected_action": [mine.pk],
                                 "post": "yes", "text": "Mine second"}, follow=True)  # fmt: skip

    assert "has a reply already" in response.content.decode()
    assert list(ReviewReply.objects.values_list("text", flat=True)) == ["Theirs first"]


def test_moderators_approve_and_reject_replies_in_the_admin(room_type, day, client):
    review = public_review(room_type, day)
    reply = reply_create(manager=manager_of(room_type.hotel), review_id=review.pk,
                         text="Thank you!", now=timezone.now())  # fmt: skip
    staff = log_in_verified(Client(), moderator())
    replies = "/admin/reviews/reviewreply/"

    asked = staff.post(replies, {"action": "reject_replies", "_selected_action": [reply.pk]})
    staff.post(replies, {"action": "approve_replies", "_selected_action": [reply.pk]})

    assert "Give a reason" not in asked.content.decode()
    assert asked.status_code == 200
    assert public_reply(client, room_type.hotel_id)["text"] == "Thank you!"
    staff.post(replies, {"action": "reject_replies", "_selected_action": [reply.pk],
                         "post": "yes", "reason": "rude"})  # fmt: skip
    assert public_reply(client, room_type.hotel_id) is None
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "reply.approve", "reply.reject",
    ]  # fmt: skip


def test_only_a_hotel_car_vendor_or_airline_that_exists_can_be_linked_to_a_manager(
    admin_client, room_type
):
    manager = manager_of()
    url = "/admin/reviews/managedproperty/add/"

    missing = admin_client.post(url, {"user": manager.pk, "subject": "hotel", "subject_id": 999999})
    linked = admin_client.post(url, {"user": manager.pk, "subject": "hotel",
                                     "subject_id": room_type.hotel_id})  # fmt: skip

    assert missing.status_code == 200
    assert "No hotel has this id" in missing.content.decode()
    assert linked.status_code == 302
    assert list(ManagedProperty.objects.values_list("subject_id", flat=True)) == [
        room_type.hotel_id
    ]


# --- the reviewer is told ---------------------------------------------------------------


def test_the_reviewer_is_emailed_once_in_their_language_when_the_reply_is_first_published(
    room_type, day, django_capture_on_commit_callbacks
):
    from django.core import mail

    from bookings.models import Booking
    from notifications.models import Message

    # given: a review of a trip booked in French, and its hotel's reply
    review = public_review(room_type, day)
    Booking.objects.filter(items__review=review).update(language="fr")
    manager, staff = manager_of(room_type.hotel), moderator()
    reply = reply_create(manager=manager, review_id=review.pk, text="Merci !", now=timezone.now())
    told = Message.objects.filter(kind="review_reply")
    pending = told.count()

    # when: approved, then edited and approved again
    with django_capture_on_commit_callbacks(execute=True):
        reply_approve(reply, staff=staff, now=timezone.now())
    reply_edit(manager=manager, review_id=review.pk, text="Merci beaucoup !", now=timezone.now())
    reply_approve(reply, staff=staff, now=timezone.now())

    # then: one message, to the reviewer, in French, sent after the commit
    assert pending == 0
    message = told.get()
    assert (message.to_email, message.user, message.language) == (
        review.user.email, review.user, "fr",
    )  # fmt: skip
    assert message.subject == f"{room_type.hotel.name} a répondu à votre avis"
    assert "Merci !" in message.text_body
    assert f"/hotels/{room_type.hotel_id}" in message.text_body
    assert [m.subject for m in mail.outbox if "avis" in m.subject] == [message.subject]


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("en", "Hotel Azul replied to your review", "Hello Grace,"),
        ("fr", "Hotel Azul a répondu à votre avis", "Bonjour Grace,"),
        ("es", "Hotel Azul respondió a su opinión", "Hola, Grace:"),
    ],
)
def test_the_reply_message_reads_in_each_language(language, subject, greeting):
    from notifications.services import message_render

    context = {
        "first_name": "Grace",
        "responder": "Hotel Azul",
        "review_title": "<b>Noisy</b>",
        "reply_text": "Thank you & sorry",
        "url": "https://example.com/hotels/1",
    }

    rendered_subject, text, html, _ = message_render(
        kind="review_reply", language=language, context=context
    )

    assert rendered_subject == subject
    assert text.startswith(greeting)
    assert "Thank you & sorry" in text
    # The HTML escapes what travelers and managers typed.
    assert "&lt;b&gt;Noisy&lt;/b&gt;" in html
    assert "Thank you &amp; sorry" in html


def test_an_empty_or_too_long_reply_is_refused_not_cut(room_type, day):
    from travelguru.errors import InvalidInput

    review = public_review(room_type, day)
    manager = manager_of(room_type.hotel)

    for text in ("   ", "x" * 2001):
        with pytest.raises(InvalidInput):
            reply_create(manager=manager, review_id=review.pk, text=text, now=timezone.now())

    assert not ReviewReply.objects.exists()


def test_a_page_of_answered_reviews_costs_the_same_queries_as_one(client, day):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    room_type = RoomTypeFactory.create(hotel__currency="EUR")
    room_nights(room_type, day, 1, rooms_total=10)
    manager, staff = manager_of(room_type.hotel), moderator()
    url = f"/api/hotels/{room_type.hotel_id}/reviews"

    def answer_one_more() -> None:
        review = public_review(room_type, day, title=f"Stay {Review.objects.count()}")
        reply = reply_create(manager=manager, review_id=review.pk, text="Thanks!",
                             now=timezone.now())  # fmt: skip
        reply_approve(reply, staff=staff, now=timezone.now())

    def queries_of_the_page(reviews: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).json()
        assert [r["reply"]["text"] for r in page["results"]] == ["Thanks!"] * reviews
        return len(queries)

    answer_one_more()
    one = queries_of_the_page(1)
    for _ in range(3):
        answer_one_more()

    assert queries_of_the_page(4) == one
