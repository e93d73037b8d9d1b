"""A pytest plugin for make test's parallel workers (pytest-xdist: gw0, gw1, ...): each its own Redis database
(the number of REDIS_URL plus the worker's), the way pytest-django gives each its own test database (a
``_gw0`` suffix, SQLite files too), so that one's flush or outage never reaches another's.

scripts/run_tests.py loads it with ``-p scripts.pytest_workers``: a plugin named there is imported before
pytest-django sets Django up, so REDIS_URL is moved before the settings read it, in the worker's environment,
where the servers and Celery workers the tests start inherit it as it is.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def redis_url_offset(url: str, offset: int) -> str:
    """``url`` with its database number moved ``offset`` on (modulo Redis's 16)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + offset) % 16}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url_offset(os.environ["REDIS_URL"], int(_worker[2:]))
