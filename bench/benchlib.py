"""What the benchmarks share: Django set up as production runs it, and one definition of a percentile.

Imported as ``benchlib`` by the scripts beside it (``python bench/<name>.py`` puts this folder on the path).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.base")
    os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every query's SQL in memory: not what production runs
    import django

    django.setup()


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, by nearest rank; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
