"""Helpers for the few search reads written as SQL text (decisions 57 and 61).

The hot search queries are run on `connection.cursor()` rather than built with the ORM:
building and compiling them cost more CPU than running them. Table names come from the
models, values are always parameters, and column values go through the backend's ORM
converters, so rows read the same as `values_list` reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.db import connection, models
from django.db.models import QuerySet


def column_values(field: models.Field) -> Callable[[object], object]:
    """A column value as the ORM returns it for `field` (the backend's converters: a bool
    for a BooleanField, a Decimal for a DecimalField on SQLite, an aware datetime, …)."""
    col = field.get_col(field.model._meta.db_table)
    converters = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
    if not converters:
        return _same
    if len(converters) == 1:
        (only,) = converters
        return lambda value: only(value, col, connection)

    def convert(value: object) -> object:
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return convert


def _same(value: object) -> object:
    return value


def converters_at(fields: Mapping[int, models.Field]) -> list[tuple[int, Callable]]:
    """(position, converter) for the columns of a row (at these positions, of these
    fields) that the backend converts; the others are read as they come."""
    return [
        (i, convert)
        for i, field in fields.items()
        if (convert := column_values(field)) is not _same
    ]


def ids_in(ids: Iterable[int]) -> tuple[str, list] | None:
    """`IN (…)`'s inside for ids given as a query (`SqlIds`, or a lazy `values_list`
    compiled as the ORM would: a subquery) or as values; None when there are none (nothing
    can match)."""
    from search.engines.base import SqlIds

    if isinstance(ids, SqlIds):
        return ids.sql, list(ids.params)
    if isinstance(ids, QuerySet):
        sql, params = ids.query.sql_with_params()
        return sql, list(params)
    values = list(ids)
    if not values:
        return None
    return ", ".join(["%s"] * len(values)), values
