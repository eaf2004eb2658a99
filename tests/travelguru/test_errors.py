"""The API's error shape: application/problem+json everywhere, never an HTML page."""

from typing import Any

import pytest
from rest_framework import serializers

from travelguru.errors import InvalidFields, problem_exception_handler


@pytest.mark.parametrize(
    "path",
    ["/api/nothing-here", "/nothing-here", "/api/hotels/999999999"],
)
def test_unknown_paths_answer_404_problem_json(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert set(body) >= {"type", "title", "status", "detail"}


def test_wrong_method_answers_405_problem_json(client, db):
    response = client.delete("/api/airports?q=par")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method-not-allowed"


def test_validation_errors_name_the_field(client, db):
    response = client.get("/api/cars/search", {"location": "JFK"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation-error"
    assert "pick_up" in body["errors"]
    assert "drop_off" in body["errors"]


def test_a_service_refusing_fields_answers_as_a_serializer_would():
    """Services raise InvalidFields, not DRF's ValidationError: the traveler gets the same
    bytes either way (status, code, detail naming each field, errors per field)."""
    errors = {
        "email": ["An account with this email exists."],
        "password": ["Too short.", "Common."],
    }

    def answer(exc):
        response: Any = problem_exception_handler(exc, {})
        response.renderer_context = {}  # what a view sets before rendering
        return response.status_code, response["Content-Type"], response.rendered_content

    status, content_type, body = answer(InvalidFields(errors))
    assert (status, content_type, body) == answer(serializers.ValidationError(errors))
    assert (
        b'"detail":"email: An account with this email exists.; password: Too short. Common."'
        in body
    )


def test_api_root_links_every_search(client, db):
    body = client.get("/api/").json()
    assert body["links"]["flights"] == "http://testserver/api/flights/search"
    assert body["docs"] == "http://testserver/api/docs/"


def test_home_page_links_the_api_docs_and_admin(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/api/docs/"' in response.content
    assert b'href="/admin/"' in response.content


def test_schema_documents_every_search_endpoint(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/airports",
        "/api/cities",
        "/api/flights/search",
        "/api/hotels/search",
        "/api/hotels/{hotel_id}",
        "/api/cars/search",
        "/api/offers/{offer_id}",
    ]:
        assert path in paths, path
