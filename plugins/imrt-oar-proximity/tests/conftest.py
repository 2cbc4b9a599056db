"""The helper modules beside these tests (imrt_cases, synthetic_dicom) are importable under
pytest's importlib import mode, which the repository uses and which leaves sys.path alone."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
