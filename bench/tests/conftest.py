"""The benches import their neighbours by name (`python bench/<name>.py` puts bench/ on the path): so do their tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
