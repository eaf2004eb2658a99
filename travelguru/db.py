"""Database helpers shared by the apps."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Model

M = TypeVar("M", bound=Model)


def atomic_if_nested(using: str = DEFAULT_DB_ALIAS) -> AbstractContextManager[object]:
    """Around one statement that may fail on purpose (insert first, read on IntegrityError):
    a savepoint inside a transaction, so the failure leaves that transaction usable; nothing
    in autocommit, where the statement is its own transaction and a failure breaks nothing.

    `transaction.atomic()` in autocommit would be a transaction of its own: on MySQL three
    more round trips (SET autocommit=0, COMMIT, SET autocommit=1) for the same one statement.
    """
    if connections[using].in_atomic_block:
        return transaction.atomic(using=using)
    return nullcontext()


def insert_rows(objs: list[M]) -> list[M]:
    """INSERT `objs` (all of one model) and give each its primary key.

    One multi-row INSERT where the backend returns the new ids (MariaDB, SQLite,
    PostgreSQL); one INSERT per row on MySQL (Aurora), where `bulk_create` would leave
    every `pk` None. A single row is always a plain INSERT: no transaction of its own (an
    INSERT is atomic), where `bulk_create` opens one. With more than one row, call it
    inside a transaction if they must all exist or none.
    """
    if not objs:
        return objs
    model = type(objs[0])
    features = connections[router.db_for_write(model)].features
    if len(objs) > 1 and features.can_return_rows_from_bulk_insert:
        return model._default_manager.bulk_create(objs)
    for obj in objs:
        obj.save(force_insert=True)
    return objs
