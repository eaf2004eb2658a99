"""Django's MySQL/MariaDB backend, with transactions opened by BEGIN instead of SET autocommit.

Django opens a transaction on MySQL by turning the session's autocommit off and closes it
by turning it back on after COMMIT: three round trips (SET autocommit=0, COMMIT,
SET autocommit=1) around the work of every `transaction.atomic()`, which on RDS Proxy are
also SETs the proxy has to track. Here the session stays in autocommit and a transaction
starts with BEGIN (as Django's SQLite backend does): COMMIT or ROLLBACK ends it and leaves
the session in autocommit, so the driver, which asks the server's status flags before it
sends a SET autocommit, has nothing to send when Django turns autocommit back on. Two
round trips per transaction, the statements inside, their locks and their isolation level
unchanged. `set_autocommit(False)` called by hand still turns autocommit off.

One difference Django's own code never meets: after a deadlock the server has rolled the
whole transaction back, and until the block's ROLLBACK further statements would each
commit on their own instead of opening a new implicit transaction. Nothing here carries
on inside an atomic block after a database error: the error leaves the block, which rolls
back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.backends.mysql import base
from django.db.backends.utils import debug_transaction  # type: ignore[attr-defined]  # not in the stubs
from MySQLdb.constants import FIELD_TYPE


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        # The driver's own cursor, as Django's SET autocommit goes through the driver and
        # not the query log; debug_transaction logs the BEGIN as it logs that SET.
        with debug_transaction(self, "BEGIN"), self.connection.cursor() as cursor:
            cursor.execute("BEGIN")

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        conv = dict(params["conv"])
        driver = conv[FIELD_TYPE.DATETIME]
        conv[FIELD_TYPE.DATETIME] = lambda text: _datetime(text, driver)
        params["conv"] = conv
        return params


def _datetime(text: Any, driver: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return driver(text)
