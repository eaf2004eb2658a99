"""The schema is the contract schemathesis fuzzes against: it must say every error is a
problem+json, including the ones no view annotates (bad token, not JSON, database away)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def test_every_error_response_is_documented_as_problem_json(schema):
    wrong = {
        (name, code): list(response.get("content", {}))
        for name, _, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code[0] in "45" and list(response.get("content", {})) != ["application/problem+json"]
    }
    assert wrong == {}
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}


def test_every_operation_documents_the_problems_any_request_can_meet(schema):
    for name, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "406", "503"} <= codes, name
        if method in ("post", "patch", "put"):
            assert "415" in codes, name
        if any(operation.get("security", [])):  # a token is read: it may be malformed
            assert "401" in codes, name


def test_throttled_operations_document_429(schema):
    register = schema["paths"]["/api/auth/register"]["post"]["responses"]
    assert list(register["429"]["content"]) == ["application/problem+json"]


def test_lists_are_documented_as_pages(schema):
    for path in ("/api/airports", "/api/cities", "/api/bookings"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        name = ok["schema"]["$ref"].rsplit("/", 1)[1]
        page = schema["components"]["schemas"][name]
        assert {"count", "next", "previous", "results"} <= set(page["properties"]), path
        assert page["properties"]["results"]["type"] == "array", path
