"""DICOM given as a path, bytes or a binary file object, and a case's DICOM files held in memory.

Light on purpose (no pydicom, no numpy): the policy model imports it. Every way in meets the
same limits before the DICOM reader sees a byte: a regular file or a buffer of at most
MAX_DICOM_BYTES, a file object read in bounded chunks that stop at that limit. Messages name
the input by ``source``: the path, or the name the host gives, never its content.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, TypeVar, Union

import attrs

from coverage_sdk.errors import InputError

MAX_DICOM_BYTES = 2 << 30
READ_CHUNK_BYTES = 8 << 20
T = TypeVar("T")
BYTES_SOURCE = "<bytes>"
FILE_OBJECT_SOURCE = "<file object>"

DicomSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]
"""What every DICOM reader takes: a path, bytes (or a bytearray or memoryview), or a binary file object."""


def file_problem(info: os.stat_result) -> str | None:
    """Why a file of this ``os.stat`` is not one a DICOM reader opens (a directory, a device, a
    FIFO, a socket, more than MAX_DICOM_BYTES), or None."""
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a DICOM file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device, FIFO or socket)"
    if info.st_size > MAX_DICOM_BYTES:
        return f"is larger than {MAX_DICOM_BYTES >> 30} GiB"
    return None


@attrs.frozen
class DicomInput:
    """DICOM to read: a file on disk (``path``) or the input's own bytes (``data``), named
    ``source`` in every message."""

    source: str
    path: str | None = None
    data: bytes | None = attrs.field(default=None, repr=False)

    @property
    def size(self) -> int:
        return os.path.getsize(self.path) if self.path is not None else len(self.data or b"")

    def open(self) -> IO[bytes]:
        """A binary file object over the input, from its start."""
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")


def _takes(function: str) -> str:
    return f"{function} takes a path (str or os.PathLike), bytes, a bytearray, a memoryview or a binary file object"


def dicom_input(value: object, *, source: str | None = None, function: str = "read()") -> DicomInput:
    """``value`` as a :class:`DicomInput`, checked against the limits before anything is read.

    A path must name a regular file of at most MAX_DICOM_BYTES; a bytearray or memoryview is
    copied (the host may change its own buffer); a file object is read from its current
    position in chunks, and refused once past the limit. Another type, a file object opened
    in text mode or a ``source`` that is not a string is a TypeError saying what to pass.
    """
    if isinstance(value, DicomInput):
        return value
    if source is not None and not isinstance(source, str):
        raise TypeError(f"{function}: source names the input in messages: a str, not {type(source).__name__}")
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not isinstance(path, str):
            raise TypeError(f"{_takes(function)}; give a path as str, not bytes")
        name = source or path
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            raise InputError("no such file", source=name) from None
        problem = file_problem(info)
        if problem:
            raise InputError(problem, source=name)
        return DicomInput(name, path=path)
    if isinstance(value, (bytes, bytearray, memoryview)):
        name = source or BYTES_SOURCE
        size = value.nbytes if isinstance(value, memoryview) else len(value)
        if size > MAX_DICOM_BYTES:
            raise InputError(f"is larger than {MAX_DICOM_BYTES >> 30} GiB", source=name)
        return DicomInput(name, data=value if type(value) is bytes else bytes(value))
    if isinstance(value, io.TextIOBase):
        raise TypeError(f"{_takes(function)}; this file object is in text mode: open the file with 'rb'")
    if callable(getattr(value, "read", None)):
        name = source or FILE_OBJECT_SOURCE
        return DicomInput(name, data=_read_stream(value, name, function))
    raise TypeError(f"{_takes(function)}, not {type(value).__name__}")


def _read_stream(stream: Any, source: str, function: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(READ_CHUNK_BYTES)
        if isinstance(chunk, str):
            raise TypeError(f"{_takes(function)}; this file object gives text: open the file with 'rb'")
        if chunk is None:
            raise InputError("the file object has no data ready (non-blocking); give a blocking one or its bytes", source=source)
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"{_takes(function)}; its read() gave {type(chunk).__name__}, not bytes")
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_DICOM_BYTES:
            raise InputError(f"is larger than {MAX_DICOM_BYTES >> 30} GiB", source=source)
        chunks.append(bytes(chunk))


class CaseFiles(Mapping[str, DicomInput]):
    """A case's DICOM files held by the host, by the name its plans give them (``dicom.rtdose``).

    Each value may be bytes, a bytearray, a memoryview, a binary file object (read now, into
    the case's own bytes) or a path on the host (read when needed; messages still use the
    name). Immutable, and shared by every copy of the case, with what was read from it
    (:meth:`read_once`), so each plan is read once per case.
    """

    def __init__(self, files: Mapping[str, DicomSource]) -> None:
        if not isinstance(files, Mapping):
            raise TypeError(f"files maps each name a plan gives (dicom.rtdose, dicom.rtstruct) to its DICOM, not {type(files).__name__}")
        held = {}
        for name, value in files.items():
            if not isinstance(name, str):
                raise TypeError(f"files: each name is a str, as dicom.rtdose and dicom.rtstruct give it, not {type(name).__name__}")
            held[name] = dicom_input(value, source=name, function="Case(files=...)")
        self._files = held
        self._read: dict[tuple[str, ...], Any] = {}

    def read_once(self, key: tuple[str, ...], read: Callable[[], T]) -> T:
        """``read()`` the first time ``key`` is asked for; what it gave, after."""
        if key not in self._read:
            self._read[key] = read()
        return self._read[key]

    def __getitem__(self, name: str) -> DicomInput:
        return self._files[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"CaseFiles({sorted(self._files)})"

    def __copy__(self) -> CaseFiles:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> CaseFiles:
        return self


def case_files(value: Mapping[str, DicomSource] | None) -> CaseFiles | None:
    """The converter of ``Case.files``."""
    return value if value is None or isinstance(value, CaseFiles) else CaseFiles(value)
