"""Every answer the suite gets from the API is held to the OpenAPI schema (the contract).

The answers are built by hand (dict builders and selectors, for speed) while the schema is
built from the output serializers: nothing else keeps the two in step. tests/conftest.py
hands every test client's response to `check()`; an operation the schema documents must
answer a documented status with a body of the documented media type and shape (OpenAPI 3.0
rules: `nullable`, `readOnly`, formats). tests/travelguru/test_api_conformance.py makes
sure every operation is driven to its success answer at least once.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any


class ContractBroken(AssertionError):
    pass


@cache
def schema() -> dict[str, Any]:
    """The schema as /api/schema/ serves it (drf-spectacular, generated in-process)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


@cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = []
    for template in schema()["paths"]:
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    # A literal segment wins over a parameter (/api/hotels/search, not /api/hotels/{id}).
    routes.sort(key=lambda route: route[1].count("{"))
    return routes


def operation_of(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """("GET /api/hotels/{hotel_id}", its operation) for a request, None if undocumented."""
    for pattern, template in _routes():
        if pattern.match(path):
            operation = schema()["paths"][template].get(method.lower())
            if operation is None:
                return None
            return f"{method.upper()} {template}", operation
    return None


@cache
def _validator(name: str, status: str, media_type: str) -> Any:
    from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

    method, template = name.split(" ", 1)
    operation = schema()["paths"][template][method.lower()]
    body = operation["responses"][status]["content"][media_type]["schema"]
    # `$ref`s point into the document's components: validate within the whole document.
    root = _closed({**body, "components": schema()["components"]})
    OAS30ReadValidator.check_schema(root)
    return OAS30ReadValidator(root, format_checker=oas30_format_checker)


def _closed(node: Any) -> Any:
    """A copy where an object that lists its properties has no others: an answer with a
    field the schema does not document breaks the contract too (the front-end's types come
    from the schema, so an undocumented field is one it cannot see)."""
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _closed(value) for key, value in node.items()}
    if "properties" in copy and "additionalProperties" not in copy:
        copy["additionalProperties"] = False
    if copy.get("nullable") and list(copy.get("allOf", ())) and len(copy["allOf"]) == 1:
        # drf-spectacular's nullable reference (`allOf: [$ref], nullable: true`) means "null
        # or that schema", as schemathesis reads it; OpenAPI 3.0's `nullable` does not reach
        # into the allOf, so a validator would refuse the null. Say it as a oneOf.
        (referenced,) = copy.pop("allOf")
        copy.pop("nullable")
        copy["oneOf"] = [referenced, {"enum": [None]}]
    return copy


def check(method: str, path: str, response: Any) -> str | None:
    """Raise ContractBroken where `response` is not what the schema says `method path`
    answers; the operation's name (None when the schema does not document the request)."""
    found = operation_of(method, path)
    if found is None:  # not an API operation, or a method the path does not have (405)
        return None
    name, operation = found
    status = str(response.status_code)
    documented = operation["responses"].get(status) or operation["responses"].get("default")
    if documented is None:
        raise ContractBroken(
            f"{name} answered {status}, which the schema does not document "
            f"(it lists {sorted(operation['responses'])})"
        )
    content = documented.get("content") or {}
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    if not content:
        if response.content:
            raise ContractBroken(f"{name} {status}: the schema documents no body, got one")
        return name
    if media_type not in content:
        raise ContractBroken(
            f"{name} {status} answered {media_type!r}; the schema says {sorted(content)}"
        )
    if "schema" not in content[media_type]:
        return name
    body = json.loads(response.content)
    errors = sorted(
        _validator(name, status, media_type).iter_errors(body), key=lambda e: list(e.path)
    )
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors]
        raise ContractBroken(
            f"{name} {status}: the answer does not match the schema:\n  " + "\n  ".join(lines[:20])
        )
    return name
