"""ext/_dsparse.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

import numpy as np
from numpy.typing import NDArray

def parse_spans(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], num_threads: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.int64]]: ...
def parse_contours(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], num_threads: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64], bool]: ...
def sequence_items(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], implicit: bool, tags: NDArray[np.uint32], max_depth: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]: ...
