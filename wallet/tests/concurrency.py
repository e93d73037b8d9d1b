"""Run a callable on several threads at once, each with its own database connection."""

import threading

from django.db import connections


def run_concurrently(count: int, target) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - each thread's outcome is inspected
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
