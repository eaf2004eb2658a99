"""Every statement written out as SQL runs against the migrated schema, on the database the
suite runs on (SQLite, and MariaDB with DATABASE_URL=mysql://…), and a renamed or dropped
field it names fails here rather than in a traveler's request."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connection, models, transaction

from travelguru import sql

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _columns_read_from_the_models():
    """Columns are kept once looked up (`sql.Table.column`); these tests change a field's
    column or drop the field, and each must see the model as it is during the test."""
    sql.forget_columns()
    yield
    sql.forget_columns()


ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "analytics",
    "audit",
    "bookings",
    "catalog",
    "demo",
    "reviews",
    "search",
    "travelguru",
)
# Statements that name no column or only loop over every table of the models (maintenance
# of demo data, a health probe): their names come from `travelguru.sql.Table` all the same.
# The MySQL backend's BEGIN is transaction control, sent as Django sends SET autocommit.
NOT_REGISTERED = {
    "travelguru/health.py", "demo/loader.py", "demo/analytics.py",
    "travelguru/db_backends/mysql/base.py",
}  # fmt: skip


def _app_modules() -> Iterator[str]:
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".settings" in info.name or ".tests" in info.name:
                continue
            if info.name in (
                "travelguru.wsgi",
                "travelguru.gunicorn_conf",
                "travelguru.gunicorn_worker",
            ):
                continue
            yield info.name


def _registry() -> dict[str, sql.Built]:
    for name in _app_modules():
        importlib.import_module(name)
    return dict(sql.REGISTRY)


def _cases() -> list[tuple[str, tuple]]:
    return [(name, sample) for name, built in _registry().items() for sample in built.samples]


def _run(statement: str | sql.Query) -> None:
    """Run a SELECT (its rows read as its typed row: the columns' names checked), or have
    the database compile any other statement (EXPLAIN: nothing is written)."""
    params = [None] * str(statement).count("%s")
    with transaction.atomic():
        if isinstance(statement, sql.Query):
            assert statement.fetch(params) == []
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {statement}", params)
                cursor.fetchall()


@contextmanager
def _fields_named() -> Iterator[list[models.Field]]:
    """The fields whose columns the statements built inside name."""
    named: list[models.Field] = []
    column = sql.Table.column

    def recording(table: sql.Table, name: str) -> sql.Column:
        found = column(table, name)
        if found.field is not None and found.field not in named:
            named.append(found.field)
        return found

    with mock.patch.object(sql.Table, "column", recording):
        yield named


def test_the_app_s_statements_are_registered():
    names = set(_registry())

    assert {
        "search.selectors.flights._airports_query",
        "search.selectors.flights._first_legs_query",
        "search.selectors.flights._second_legs_query",
        "search.selectors.hotels._free_matches_query",
        "search.selectors.hotels._shown_query",
        "search.selectors.hotels._amenities_query",
        "search.engines.local._legs_sql",
        "search.engines.local._indexed_at_query",
        "reviews.selectors._airline_ratings_query",
        "travelguru.results_cache._version_query",
        "travelguru.results_cache._bump_sql",
        "bookings.services.idempotency._claim_sql",
        "bookings.services.idempotency._answer_sql",
        "travelguru.rate_counter._count_sql",
        "accounts.tokens._session_user_sql",
    } <= names


class MissingColumn(AssertionError):
    pass


def _check(name: str, sample: tuple) -> None:
    """Build the statement: every column it names is in the migrated table (SQLite would
    read an unknown double-quoted name as a string), and it runs."""
    with _fields_named() as named:
        statement = sql.REGISTRY[name].build(*sample)
    with connection.cursor() as cursor:
        for field in named:
            table = field.model._meta.db_table
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, table)
            }
            if field.column not in columns:
                raise MissingColumn(f"{name} names {table}.{field.column}, not in the schema")
    _run(statement)


@pytest.mark.parametrize(("name", "sample"), _cases(), ids=lambda v: str(v))
def test_every_written_out_statement_runs_against_the_migrated_schema(name, sample):
    _check(name, sample)
    _run(sql.REGISTRY[name](*sample))  # as the app builds it (once per vendor)


def _renames() -> list[tuple[str, tuple, str]]:
    """(statement, its first sample, each field it names)."""
    cases = []
    for name, built in _registry().items():
        sample = built.samples[0]
        try:
            with _fields_named() as named:
                sql.REGISTRY[name].build(*sample)
        except FieldDoesNotExist:
            continue  # the statements test fails on it, with the field's name
        cases += [(name, sample, f"{f.model._meta.label}.{f.name}") for f in named]
    return cases


@pytest.mark.parametrize(("name", "sample", "field"), _renames(), ids=lambda v: str(v))
def test_a_renamed_column_fails_the_statement_that_names_it(name, sample, field):
    renamed = _field(field)

    with mock.patch.object(renamed, "column", f"{renamed.column}_renamed"):
        with pytest.raises(MissingColumn):
            _check(name, sample)
        if connection.vendor == "mysql":  # the database itself refuses it too
            with pytest.raises(DatabaseError):
                _run(sql.REGISTRY[name].build(*sample))

    sql.forget_columns()
    _check(name, sample)  # and passes again as the schema has it


@pytest.mark.parametrize(("name", "sample", "field"), _renames()[:1] + _renames()[-1:])
def test_a_field_dropped_from_the_model_fails_when_its_statement_is_built(name, sample, field):
    dropped = _field(field)
    model, field_name = dropped.model, dropped.name
    get_field = model._meta.get_field

    def without(name: str, *args, **kwargs):
        if name == field_name:
            raise FieldDoesNotExist(name)
        return get_field(name, *args, **kwargs)

    with (
        mock.patch.object(model._meta, "get_field", without),
        pytest.raises(FieldDoesNotExist),
    ):
        sql.REGISTRY[name].build(*sample)


def _field(dotted: str) -> models.Field:
    from django.apps import apps

    label, name = dotted.rsplit(".", 1)
    return apps.get_model(label)._meta.get_field(name)


def test_a_select_reads_rows_by_the_names_the_database_gives():
    from typing import NamedTuple

    from travelguru.models import ResultsVersion

    class Swapped(NamedTuple):
        version: str
        kind: str

    table = sql.Table(ResultsVersion)
    ResultsVersion.objects.create(kind="hotel", version="v1")
    right = sql.Select(Swapped, kind=table.c.kind, version=table.c.version)
    # A statement that lists the columns in another order than the row's fields is refused.
    wrong = sql.Query(f"SELECT {table.c.kind}, {table.c.version} FROM {table}", right)  # noqa: S608
    query = sql.Query(f"SELECT {right} FROM {table}", right)  # noqa: S608

    assert query.fetch([]) == [Swapped("v1", "hotel")]
    with pytest.raises(LookupError):
        wrong.fetch([])


def test_a_model_row_is_the_instance_the_orm_reads():
    from django.utils import timezone

    from accounts.models import User
    from tests.factories.accounts import UserFactory

    made = UserFactory.create(email="row@example.com", email_verified_at=timezone.now())
    table = sql.Table(User)
    names = [f.name for f in User._meta.concrete_fields]
    statement = f"SELECT {table.columns(*names)}, 1 + 1 FROM {table} WHERE {table.c.id} = %s"  # noqa: S608

    found = sql.fetch_model_row(User, statement, [made.pk])
    assert found is not None
    user, rest = found
    orm = User.objects.get(pk=made.pk)

    assert [getattr(user, f.attname) for f in User._meta.concrete_fields] == [
        getattr(orm, f.attname) for f in User._meta.concrete_fields
    ]
    assert user.is_active is True
    assert user.email_verified_at is not None
    assert user.email_verified_at.tzinfo is not None
    assert not user._state.adding
    assert user._state.db == orm._state.db
    assert rest == (2,)
    assert sql.fetch_model_row(User, statement, [made.pk + 1]) is None


def test_app_code_runs_written_out_sql_only_through_the_helper():
    """`cursor.execute`, `.raw(` and `RawSQL` appear only in travelguru/sql.py and the
    maintenance modules listed: everything else goes through registered statements."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in {"travelguru/sql.py", *NOT_REGISTERED}:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "raw", "extra")
                    and not (node.func.attr == "raw" and _raw_of_registered(node))
                ):
                    offenders.append(f"{relative}:{node.lineno}")
                if isinstance(node, ast.Name) and node.id == "RawSQL":
                    offenders.append(f"{relative}:{node.lineno}")

    assert offenders == []


def _raw_of_registered(node: ast.Call) -> bool:
    """`Model.objects.raw(<a registered builder>(…), …)`: maps its rows by name itself."""
    first = node.args[0] if node.args else None
    return isinstance(first, ast.Call) and isinstance(first.func, ast.Name)
