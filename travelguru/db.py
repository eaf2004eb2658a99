"""Database helpers shared by the apps."""

from __future__ import annotations

from typing import TypeVar

from django.db import connections, router
from django.db.models import Model

M = TypeVar("M", bound=Model)


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
