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
