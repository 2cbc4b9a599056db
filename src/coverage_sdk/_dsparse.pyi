"""ext/_dsparse.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

import numpy as np
from numpy.typing import NDArray

def parse_spans(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], num_threads: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.int64]]: ...
