"""Create DATABASE_URL's PostgreSQL database if it does not exist yet (make serve on a fresh machine)."""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url else {}
    if config.get("ENGINE") != "django.db.backends.postgresql":
        return 0
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    name = config["NAME"]
    try:
        psycopg.connect(dbname=name, **params).close()
        return 0
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            print(f"Cannot reach PostgreSQL for {name!r}: {exc}", file=sys.stderr)
            return 2
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created database {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
