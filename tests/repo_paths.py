"""Where the repository's data lives: the examples, and shared/ checked out beside the repo."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples" / "cases"
