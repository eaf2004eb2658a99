from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from travelguru.schema import component_name


class OwnerApi:
    class OutputSerializer:
        pass


class PlainSerializer:
    pass


def test_nested_serializers_are_named_after_their_api():
    assert component_name(OwnerApi.OutputSerializer) == "OwnerOutputSerializer"
    assert component_name(PlainSerializer) == "PlainSerializer"


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_has_no_warnings():
    out = StringIO()
    # --fail-on-warn turns every drf-spectacular warning (e.g. colliding component names)
    # into a failure; --validate checks the document against the OpenAPI 3 meta-schema.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert "/api/flights/search" in schema["paths"]
    assert "/api/offers/{offer_id}" in schema["paths"]
    assert "OfferDetailOutput" in schema["components"]["schemas"]


def test_the_front_ends_schema_file_is_what_the_api_says_now():
    # The front-end's API types are generated from this file (openapi-typescript, in `npm run
    # build`): a change to an answer's shape must regenerate it, so the type check sees it.
    import json
    from pathlib import Path

    from tests import contract

    path = Path(__file__).resolve().parents[2] / "frontend/src/schema/openapi.json"
    # Objects read as lists of pairs: the order of fields counts too (it is the order the
    # docs and the generated types show them in), not only what they are.
    committed = json.loads(path.read_text(), object_pairs_hook=list)
    now = json.loads(json.dumps(contract.schema()), object_pairs_hook=list)
    assert committed == now, (
        "frontend/src/schema/openapi.json is out of date: run `make api-schema` and commit it"
    )
