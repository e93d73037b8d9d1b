"""Racing callers for the PostgreSQL concurrency tests: each call in its own thread and database connection,
all released at the same moment."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(*calls: Callable[[], Any]) -> list:
    """Run ``calls`` at once, each in its own thread (a barrier releases them together); their results in order.
    An exception raised in any thread is raised here, after all have finished."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection: close it, or the test database cannot be dropped

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
