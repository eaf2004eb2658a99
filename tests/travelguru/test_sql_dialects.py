"""Statements written out for one dialect are spelled as that dialect reads them: MariaDB
(the stand-in here) and MySQL (Aurora MySQL in production) differ in a few constructs that
Django names alike ("mysql")."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.db import connection

from travelguru import sql

pytestmark = pytest.mark.django_db


def test_the_dialect_is_the_database_the_suite_runs_on():
    if connection.vendor == "mysql":
        expected = "mariadb" if getattr(connection, "mysql_is_mariadb", False) else "mysql"
    else:
        expected = connection.vendor

    assert sql.dialect() == expected


def test_a_values_table_is_read_back_row_for_row_on_this_database():
    table = sql.values_table("pairs", ("n", "word"), ["%s, %s"] * 3)

    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {table} SELECT n, word FROM pairs ORDER BY n",  # noqa: S608
            [2, "two", 1, "one", 3, "three"],
        )
        rows = cursor.fetchall()

    assert [tuple(row) for row in rows] == [(1, "one"), (2, "two"), (3, "three")]


@pytest.mark.parametrize(
    ("dialect", "row"),
    [("mysql", "ROW(%s, %s)"), ("mariadb", "(%s, %s)"), ("sqlite", "(%s, %s)")],
)
def test_a_values_table_spells_its_rows_as_each_dialect_reads_them(dialect, row):
    # MySQL 8 reads a table value constructor only as ROW(…) rows; MariaDB only as bare ones.
    with mock.patch.object(sql, "dialect", return_value=dialect):
        table = sql.values_table("pairs", ("n", "word"), ["%s, %s"] * 2)

    assert table == f"pairs (n, word) AS (VALUES {row}, {row})"


def test_a_statement_is_built_once_per_dialect_not_per_vendor():
    built: list[str] = []

    @sql.statement()
    def spelled() -> str:
        built.append(sql.dialect())
        return sql.values_table("t", ("n",), ["%s"])

    for name in [name for name in sql.REGISTRY if name.startswith(__name__)]:
        del sql.REGISTRY[name]  # not one of the app's statements
    with mock.patch.object(sql, "dialect", return_value="mysql"):
        for_mysql = spelled()
    with mock.patch.object(sql, "dialect", return_value="mariadb"):
        for_mariadb = spelled()
        again = spelled()

    assert built == ["mysql", "mariadb"]
    assert "ROW(%s)" in for_mysql
    assert "ROW" not in for_mariadb
    assert again == for_mariadb


def test_no_registered_statement_gives_mysql_a_table_of_bare_rows():
    # Every app statement, built for MySQL: a `VALUES (…)` table there is a syntax error at
    # the first search in production, which MariaDB here would never show.
    from tests.travelguru.test_sql_statements import _registry

    bare = re.compile(r"AS \(VALUES \(")
    with mock.patch.object(sql, "dialect", return_value="mysql"):
        spelled = {
            name: str(built.build(*sample))
            for name, built in _registry().items()
            for sample in built.samples
        }

    assert any("VALUES ROW(" in text for text in spelled.values())
    assert [name for name, text in spelled.items() if bare.search(text)] == []
