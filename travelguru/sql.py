"""Statements written out as SQL text, all one way: names from the models, rows read by name.

Reads and writes go through the ORM, except a few statements on the hot path where building
and compiling the query costs more CPU than running it (`make bench` measures them). Those
are written with this module, and only with it:

- `Table(Model, "alias")`: the model's table and columns, quoted for the connection in use.
  `t.c.price` is `f."price"` (the field's column, `db_column` included); a field the model
  does not have raises `FieldDoesNotExist` when the statement is built.
- `@statement`: builds a statement once per SQL dialect (and shape) and registers it;
  tests/travelguru/test_sql_statements.py runs every registered statement against the
  migrated schema, so a renamed or dropped field fails the suite, not a traveler.
- `Select(Row, field=column, ...)`: a select list whose columns are named as the typed row's
  fields; `Query.fetch(params)` maps each row by those names into `Row`, every column
  converted as the ORM converts its field (a bool on SQLite, an aware datetime, a Decimal).
- `Fragment(sql, params)`: SQL text with its own parameters, to be embedded whole (a
  subquery) by another statement, which puts its parameters where its text goes.

Values are always parameters; only names from this module are formatted into SQL text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models

Row = TypeVar("Row")
M = TypeVar("M", bound=models.Model)

# Every statement builder of the project, by dotted name (for the statements test).
REGISTRY: dict[str, Built] = {}


class Column:
    """A quoted column reference (what it formats to) and the field its values come from
    (None: an expression whose values are read as the database gives them)."""

    __slots__ = ("field", "sql")

    def __init__(self, sql: str, field: models.Field | None = None) -> None:
        self.sql = sql
        self.field = field

    def __str__(self) -> str:
        return self.sql

    def __format__(self, spec: str) -> str:
        return self.sql

    def of(self, template: str) -> Column:
        """This column inside an expression (`n.c.price.of("SUM({})")`), its values still
        converted as its field's."""
        return Column(template.format(self.sql), self.field)


class _Columns:
    __slots__ = ("_table",)

    def __init__(self, table: Table) -> None:
        self._table = table

    def __getattr__(self, name: str) -> Column:
        return self._table.column(name)


class Table:
    """A model's table, optionally under an alias, and its columns (`.c.<field name>`)."""

    __slots__ = ("_vendor", "alias", "c", "model")

    def __init__(self, model: type[models.Model], alias: str = "") -> None:
        self.model = model
        self.alias = alias
        self.c = _Columns(self)
        # Asked once: `connection` is a per-thread proxy, and a statement names dozens of columns.
        self._vendor = connection.vendor

    @property
    def name(self) -> str:
        """The quoted table name (for INSERT, UPDATE, DELETE)."""
        return connection.ops.quote_name(self.model._meta.db_table)

    def __str__(self) -> str:
        return f"{self.name} {self.alias}" if self.alias else self.name

    def __format__(self, spec: str) -> str:
        return str(self)

    def column(self, name: str) -> Column:
        """The column of field `name` (or of its attname, `hotel_id`); FieldDoesNotExist when
        the model has no such concrete field."""
        return _column(self.model, self.alias, name, self._vendor)

    def columns(self, *names: str) -> str:
        """`a."x", a."y"`: the columns of these fields, for an INSERT's or GROUP BY's list."""
        return ", ".join(self.column(name).sql for name in names)


@lru_cache(maxsize=4096)
def _column(model: type[models.Model], alias: str, name: str, vendor: str) -> Column:
    """`Table.column`, kept: a statement whose shape varies with its values (one VALUES row
    per connection airport) is built again for each new shape, and looking up and quoting
    each of its columns was most of that cost. A field that does not exist raises each
    time (an exception is not kept)."""
    field = model._meta.get_field(name)
    column = getattr(field, "column", None)
    if not column or not field.concrete:
        raise FieldDoesNotExist(f"{model.__name__}.{name} has no column")
    quoted = connection.ops.quote_name(column)
    return Column(f"{alias}.{quoted}" if alias else quoted, cast(models.Field, field))


def forget_columns() -> None:
    """Forget the columns kept by `Table.column` (a test that renames or drops a field)."""
    _column.cache_clear()


def _same(value: object) -> object:
    return value


def column_values(field: models.Field | None) -> Callable[[Any], Any]:
    """A column value as the ORM returns it for `field` (the backend's converters: a bool for
    a BooleanField on SQLite, an aware datetime, a Decimal, parsed JSON…)."""
    if field is None:
        return _same
    col = field.get_col(field.model._meta.db_table)
    converters = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
    if not converters:
        return _same
    own = getattr(connection.ops, "convert_datetimefield_value", None)
    if connection.vendor == "mysql" and converters == [own]:
        # The backend's own converter, without its three calls per value: a flight search
        # reads two datetimes per fare row, hundreds of rows. mysqlclient gives naive UTC
        # datetimes (the connection's time zone) and the converter only labels them.
        tz = connection.timezone
        return lambda value: None if value is None else value.replace(tzinfo=tz)
    if len(converters) == 1:
        (only,) = converters
        return lambda value: only(value, col, connection)

    def convert(value: object) -> object:
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return convert


@lru_cache(maxsize=64)
def _model_converters(
    model: type[models.Model], _dialect: str
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    return tuple(
        (i, to_value)
        for i, field in enumerate(model._meta.concrete_fields)
        if (to_value := column_values(field)) is not _same
    )


def fetch_model_row(
    model: type[M], statement: str, params: Sequence[Any]
) -> tuple[M, tuple[Any, ...]] | None:
    """The first row of a written-out SELECT whose columns start with every concrete field
    of `model` in the model's order (the select list `Table.columns(*names)` gives for
    them): the instance the ORM would read (saved, of the default database) and the row's
    later columns; None without a row.

    What `QuerySet.raw` makes of such a row, without what it works out again on each call
    (the columns' names and converters, the fields' order), which cost more CPU than the
    statement: the session read of every authenticated request is one."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(model._meta.concrete_fields)
    values = list(row[:n])
    for i, to_value in _model_converters(model, dialect()):
        values[i] = to_value(values[i])
    return model.from_db(connection.alias, None, values), tuple(row[n:])  # type: ignore[arg-type]


def _row_fields(row: type) -> tuple[str, ...]:
    if dataclasses.is_dataclass(row):
        return tuple(f.name for f in dataclasses.fields(row))
    return tuple(row._fields)  # type: ignore[attr-defined]  # a NamedTuple


class Select(Generic[Row]):
    """The select list of a typed row: one column per field of `row` (a NamedTuple or a
    dataclass), each named as that field, and the reader of the rows it gives."""

    __slots__ = ("_convert", "_make", "columns", "names", "row")

    def __init__(self, row: type[Row], **columns: Column) -> None:
        names = _row_fields(row)
        if set(columns) != set(names):
            raise TypeError(
                f"{row.__name__}: columns {sorted(columns)} are not its fields {sorted(names)}"
            )
        self.row = row
        self.names = names
        self.columns = tuple(columns[name] for name in names)
        self._make: Callable[[Sequence[Any]], Row] = (
            row._make  # type: ignore[attr-defined]
            if hasattr(row, "_make")
            else lambda values: row(*values)
        )
        self._convert: list[tuple[int, Callable[[Any], Any]]] | None = None

    def __str__(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(
            f"{column.sql} AS {quote(name)}"
            for name, column in zip(self.names, self.columns, strict=True)
        )

    def __format__(self, spec: str) -> str:
        return str(self)

    def read(self, cursor: Any) -> list[Row]:
        """The cursor's rows as `row`s, mapped by the names the database gives its columns."""
        described = tuple(d[0] for d in cursor.description)
        if described != self.names:
            raise LookupError(f"{self.row.__name__}: the statement gave columns {described}")
        rows = cursor.fetchall()
        if self._convert is None:
            self._convert = [
                (i, to_value)
                for i, column in enumerate(self.columns)
                if (to_value := column_values(column.field)) is not _same
            ]
        make, convert = self._make, self._convert
        if not convert:
            return [make(row) for row in rows]
        out = []
        for row in rows:
            values = list(row)
            for i, to_python in convert:
                values[i] = to_python(values[i])
            out.append(make(values))
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class Query(Generic[Row]):
    """A written-out SELECT and the typed rows it reads."""

    sql: str
    select: Select[Row]

    def fetch(self, params: Sequence[Any]) -> list[Row]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return self.select.read(cursor)

    def __str__(self) -> str:
        return self.sql


def execute(statement: str | Query, params: Sequence[Any]) -> int:
    """Run a written-out statement that reads no rows (INSERT, UPDATE); its row count."""
    with connection.cursor() as cursor:
        cursor.execute(str(statement), params)
        return cursor.rowcount


@dataclasses.dataclass(frozen=True, slots=True)
class Fragment:
    """SQL text and its own parameters, in the order its placeholders come."""

    sql: str
    params: tuple[Any, ...] = ()


def fetch_column(fragment: Fragment) -> list[Any]:
    """The values of a one-column SELECT, run on its own."""
    with connection.cursor() as cursor:
        cursor.execute(fragment.sql, list(fragment.params))
        return [row[0] for row in cursor.fetchall()]


def marks(n: int) -> str:
    """`%s, %s, …`: the inside of `IN (…)` for n values."""
    return ", ".join(["%s"] * n)


def marks_for(values: Iterable[Any]) -> Fragment:
    """`IN (…)`'s inside for these values, with them as its parameters."""
    values = tuple(values)
    return Fragment(marks(len(values)), values)


def adapt_datetimes(*moments: datetime) -> list[Any]:
    """Aware datetimes as the ORM sends them to this database: on MySQL and SQLite, the
    text of the naive time in the connection's zone (what their backends'
    `adapt_datetimefield_value` give, without its four calls per value: a connecting
    flight search sends two per connection airport)."""
    if connection.vendor in ("mysql", "sqlite") and settings.USE_TZ:
        tz = connection.timezone
        return [str(moment.astimezone(tz).replace(tzinfo=None)) for moment in moments]
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(moment) for moment in moments]


def dialect() -> str:
    """The SQL the connection in use speaks: "mariadb", "mysql" (MySQL itself: Aurora MySQL in
    production), else Django's vendor ("sqlite"). Django names MariaDB and MySQL alike, but
    a few constructs are spelled differently by the two (`values_table`)."""
    if connection.vendor == "mysql":
        return "mariadb" if getattr(connection, "mysql_is_mariadb", False) else "mysql"
    return connection.vendor


def values_table(name: str, columns: Sequence[str], rows: Sequence[str]) -> str:
    """`name (columns) AS (VALUES …)`, an entry of a `WITH` clause: a table of the rows given
    (each as its inside, `0, %s, %s`), for a statement to join. MySQL spells each row
    `ROW(…)`; MariaDB and SQLite take the bare parentheses and not `ROW`. The same rows as a
    `SELECT … UNION ALL SELECT …` would be read by every dialect, but MariaDB then gives
    the table no key to join on."""
    spelled = "ROW({})" if dialect() == "mysql" else "({})"
    listed = ", ".join(spelled.format(row) for row in rows)
    return f"{name} ({', '.join(columns)}) AS (VALUES {listed})"


class Built(Generic[Row]):
    """A registered statement builder: called with its shape, the statement for the
    connection's dialect (built once per dialect and shape)."""

    def __init__(self, build: Callable[..., str | Query[Row]], samples: Sequence[tuple]) -> None:
        self.build = build
        self.samples = tuple(samples) or ((),)
        self._built = lru_cache(maxsize=256)(lambda _dialect, *shape: build(*shape))
        wraps(build)(self)

    def __call__(self, *shape: Any) -> Any:
        return self._built(dialect(), *shape)

    def cache_clear(self) -> None:
        self._built.cache_clear()


def statement(*samples: tuple) -> Callable[[Callable[..., Any]], Built]:
    """Register a statement builder. Its arguments are the statement's shape (how many
    values an IN takes, which optional conditions it has), never values; `samples` are
    shapes the statements test builds and runs (none: the builder takes no argument)."""

    def register(build: Callable[..., Any]) -> Built:
        built = Built(build, samples)
        REGISTRY[f"{build.__module__}.{build.__qualname__}"] = built
        return built

    return register
