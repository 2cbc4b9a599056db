"""Where the repository's data lives: the examples, and shared/ checked out beside the repo.

``COVERAGE_SDK_SHARED`` names shared/ when the tests run from elsewhere (an unpacked sdist).
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("COVERAGE_SDK_SHARED") or REPO.parent / "shared")
EXAMPLES = REPO / "examples" / "cases"
