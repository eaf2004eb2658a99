"""Django's private attributes that travelguru.django_private relies on still exist and still
do what it expects. A Django upgrade that changes them fails here, by name, instead of
silently costing a query per booking item or dropping analytics events."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse

from travelguru.django_private import on_response_close, prefetched_rows_set

pytestmark = pytest.mark.django_db


def test_prefetch_related_still_leaves_the_attributes_we_set_by_hand():
    group = Group.objects.create(name="auditors")
    group.permissions.set(Permission.objects.order_by("pk")[:2])

    fetched = Group.objects.prefetch_related("permissions").get(pk=group.pk)

    cached = fetched._prefetched_objects_cache["permissions"]  # type: ignore[attr-defined]
    assert isinstance(cached, QuerySet)
    assert cached._prefetch_done is True  # type: ignore[attr-defined]
    assert isinstance(cached._result_cache, list)
    assert len(cached._result_cache) == 2


def test_rows_set_by_hand_answer_all_without_a_query_many_to_many(django_assert_num_queries):
    group = Group.objects.create(name="editors")
    rows = list(Permission.objects.order_by("pk")[:3])
    group = Group.objects.get(pk=group.pk)  # nothing cached on it

    prefetched_rows_set(group, "permissions", rows)

    with django_assert_num_queries(0):
        assert list(group.permissions.all()) == rows
        assert group.permissions.count() == 3
    # A new query on it still reads the database (there are no rows linked there).
    with django_assert_num_queries(1):
        assert list(group.permissions.filter(pk=rows[0].pk)) == []


def test_rows_set_by_hand_answer_all_without_a_query_reverse_foreign_key(
    django_assert_num_queries,
):
    content_type = ContentType.objects.get_for_model(Group)
    rows = list(Permission.objects.filter(content_type=content_type).order_by("pk")[:1])
    assert rows

    prefetched_rows_set(content_type, "permission_set", rows)

    with django_assert_num_queries(0):
        assert list(content_type.permission_set.all()) == rows


@pytest.mark.parametrize(
    "response", [HttpResponse(b"ok"), StreamingHttpResponse(iter([b"o", b"k"]))]
)
def test_a_callback_runs_when_the_response_is_closed_and_not_before(response):
    calls: list[str] = []

    assert on_response_close(response, lambda: calls.append("closed")) is True

    assert calls == []
    b"".join(response)  # the server sends the body
    assert calls == []
    response.close()
    assert calls == ["closed"]


def test_something_that_is_not_a_response_gets_no_callback():
    calls: list[str] = []

    assert on_response_close(object(), lambda: calls.append("closed")) is False
    assert calls == []
