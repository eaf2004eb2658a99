"""Create the MySQL/MariaDB database named in DATABASE_URL if it does not exist yet.

SQLite creates its file by itself; for MySQL the server is there but the schema may not
be. Run before `migrate` by `make run`.
"""

import os
import sys
from urllib.parse import unquote, urlparse


def main() -> int:
    url = urlparse(os.environ.get("DATABASE_URL", ""))
    if url.scheme not in {"mysql", "mysql2", "mysqlgis"}:
        return 0
    import MySQLdb

    name = unquote(url.path.lstrip("/"))
    if not name.replace("_", "").isalnum():
        sys.stderr.write(f"refusing odd database name {name!r}\n")
        return 2
    connection = MySQLdb.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 3306,
        user=unquote(url.username or "root"),
        password=unquote(url.password or ""),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS `{name}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
