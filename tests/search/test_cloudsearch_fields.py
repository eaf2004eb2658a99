"""The indexer and infra's CloudSearch schema agree, field by field."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber
from django.utils import timezone

from infra.cloudsearch.apply_index_fields import apply, index_fields
from search.engines import cloudsearch
from search.engines.cloudsearch import sdf_fields
from search.services.indexing import SOURCES
from tests.factories.catalog import FlightFareFactory, HotelFactory, RentalOfficeFactory

pytestmark = pytest.mark.django_db

SCHEMA = {f["IndexFieldName"]: f for f in index_fields()}
COMPATIBLE = {
    int: {"int", "double"},
    float: {"double"},
    str: {"literal", "text", "date", "latlon"},
    list: {"literal-array", "text-array", "int-array"},
}


def options(name: str) -> dict:
    field = SCHEMA[name]
    return next(v for k, v in field.items() if k.endswith("Options"))


@pytest.fixture
def catalog():
    hotel = HotelFactory.create(amenities=["wifi"], stars=4)
    RentalOfficeFactory.create(airport__city=hotel.city)
    FlightFareFactory.create(leg__departure_at=timezone.now() + timedelta(days=3),
                      leg__arrival_at=timezone.now() + timedelta(days=3, hours=2))  # fmt: skip


def test_every_emitted_field_is_defined_with_a_compatible_type(catalog):
    seen: dict[str, set[str]] = {}
    for source in SOURCES:
        rows = list(source.published())
        assert rows, source.kind
        for document in source.documents(rows):
            for name, value in sdf_fields(document).items():
                assert name in SCHEMA, f"{source.kind} emits {name!r}, infra does not define it"
                kind = SCHEMA[name]["IndexFieldType"]
                assert kind in COMPATIBLE[type(value)], (name, value, kind)
                seen.setdefault(name, set()).add(source.kind)
    assert {"kind", "words", "location", "stars", "amenities", "origin", "departure"} <= set(seen)


def test_fields_the_engine_filters_sorts_facets_and_returns_have_those_options():
    filtered = ("kind", "object_id", "code", "city_id", "stars", "amenities", "location",
                "origin", "destination", "departure")  # fmt: skip
    for name in filtered:
        assert options(name)["SearchEnabled"], name  # used in fq
    for name in ("popularity", "name", "location"):
        assert options(name)["SortEnabled"], name
    for name in ("stars", "amenities"):
        assert options(name)["FacetEnabled"], name
    for name in cloudsearch._RETURN.split(","):
        assert options(name)["ReturnEnabled"], name
    assert SCHEMA["words"]["IndexFieldType"] == "text"  # prefix queries need a text field
    assert SCHEMA["departure"]["IndexFieldType"] == "date"  # ranges of ISO instants


def test_the_schema_is_valid_for_the_cloudsearch_api():
    client = boto3.client("cloudsearch", region_name="eu-west-1")
    with Stubber(client) as stub:
        for field in index_fields():
            stub.add_response(
                "define_index_field",
                {"IndexField": {"Options": field, "Status": {
                    "CreationDate": timezone.now(), "UpdateDate": timezone.now(),
                    "UpdateVersion": 1, "State": "RequiresIndexDocuments"}}},
                {"DomainName": "travelguru-prod", "IndexField": field},
            )  # fmt: skip
        stub.add_response("index_documents", {"FieldNames": list(SCHEMA)},
                          {"DomainName": "travelguru-prod"})  # fmt: skip

        names = apply(client, "travelguru-prod")

    assert names == list(SCHEMA)
