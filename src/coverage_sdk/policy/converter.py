"""The one cattrs converter between the model and the JSON of the interchange contract.

Structuring is strict: unknown fields, wrong JSON types and values outside a vocabulary are
errors, reported as :class:`~coverage_sdk.errors.InputError` naming the JSON path.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import math
import os
import stat
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import is_mapping, is_sequence, list_structure_factory, mapping_structure_factory
from cattrs.errors import (
    AttributeValidationNote, ClassValidationError, ForbiddenExtraKeysError, IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from coverage_sdk.policy import model
from coverage_sdk.policy.facts import JSON_ATOMS
from coverage_sdk.errors import InputError

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]
_CASE_CLASSES = (  # leaves first: generated hooks look up their fields' hooks when made
    model.Patient, model.Procedure, model.PriorService, model.Request, model.Diagnosis, model.Tumor, model.Iort, model.PlanDicom,
    model.Plan, model.Structures, model.OarConstraint, model.Radiation, model.Case,
)  # fmt: skip


def _strict(kind: type, name: str) -> Hook:
    def structure(value: Any, _: type) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {name}, got a boolean")
        if not isinstance(value, kind):
            raise TypeError(f"expected {name}, got {_json_type(value)}")
        return value

    return structure


def _json_type(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)  # fmt: skip


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {_json_type(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("expected a finite number, got an integer too large for one") from None
    if not (math.isfinite(number) and abs(number) <= model.MAX_NUMBER):
        raise ValueError(f"expected a finite number of magnitude at most {model.MAX_NUMBER:g}, got {number!r}")
    return number


def _structure_date(value: Any, _: type) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"expected an ISO date (YYYY-MM-DD), got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a calendar date ({exc})") from None


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})?", value):
        raise ValueError(f"expected an ISO date-time (YYYY-MM-DDThh:mm:ss with an optional offset), got {value!r}")
    try:
        return dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date-time ({exc})") from None


def _container(kind: type, name: str) -> Callable[[Hook], Hook]:
    def check(structure: Hook) -> Hook:
        def structure_checked(value: Any, cls: type) -> Any:
            if not isinstance(value, kind):
                raise TypeError(f"expected {name}, got {_json_type(value)}")
            return structure(value, cls)

        return structure_checked

    return check


def _bare_code(structure: Hook, value: Any, cls: type) -> Any:
    """A diagnosis may be given as a bare code string."""
    return structure({"code": value} if isinstance(value, str) else value, cls)


def _structure_enum(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValueError(f"{value!r} is not one of {allowed}") from None


def _unstructure_json_object(converter: cattrs.Converter) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``dict[str, Any]`` (criteria evidence, case extensions) as cattrs unstructures it, each
    value by its runtime type, with JSON's own atoms passed through without a lookup."""

    def unstructure(value: dict[str, Any]) -> dict[str, Any]:
        return {key: item if item.__class__ in JSON_ATOMS else converter.unstructure(item) for key, item in value.items()}

    return unstructure


@functools.lru_cache(maxsize=1)
def get_converter() -> cattrs.Converter:
    """The converter for every model class: strict in, canonical out."""
    converter = make_converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(dt.date, _structure_date)
    converter.register_unstructure_hook(dt.date, dt.date.isoformat)
    converter.register_structure_hook(dt.datetime, _structure_datetime)
    converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    converter.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )
    converter.register_structure_hook_factory(
        is_sequence, lambda t, c: _container(list, "a list")(list_structure_factory(t, c))
    )
    converter.register_structure_hook_factory(
        is_mapping, lambda t, c: _container(dict, "an object")(mapping_structure_factory(t, c))
    )
    converter.register_unstructure_hook_func(lambda t: t == dict[str, Any], _unstructure_json_object(converter))
    for cls in _CASE_CLASSES:
        # Any: mypy matches a ** dict against every keyword parameter, the _cattrs_ flags too
        overrides: dict[str, Any] = {"base_dir": override(omit=True), "files": override(omit=True)} if cls is model.Case else {}
        structure = _container(dict, "an object")(
            make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **overrides)
        )
        if cls is model.Diagnosis:
            structure = functools.partial(_bare_code, structure)
        converter.register_structure_hook(cls, structure)
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)
        )
    return converter


Path_ = tuple[str | int, ...]


def _dotted(parts: Path_) -> str:
    """``("procedures", 0, "code")`` -> ``procedures[0].code``, as messages name a place."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _pointer(parts: Path_) -> str:
    """The RFC 6901 JSON pointer of ``parts`` (``/procedures/0/code``)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _problems(exc: BaseException, path: Path_) -> list[tuple[Path_, str]]:
    """Flatten cattrs' exception groups into (place, what was expected) pairs."""
    if isinstance(exc, ForbiddenExtraKeysError):
        return [((*path, key), "unknown field") for key in sorted(exc.extra_fields)]
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        found: list[tuple[Path_, str]] = []
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            child = note.name if isinstance(note, AttributeValidationNote) else note.index
            found += _problems(sub, (*path, child))
        for sub in without:
            found += _problems(sub, path)
        return found
    if isinstance(exc, KeyError):
        return [(path, "required field is missing")]
    text = str(exc)
    attrs_message = re.fullmatch(r"(?:Length of )?'(\w+)' (must .*?)(?:: (.*))?", text)
    if attrs_message:
        name, rule, got = attrs_message.groups()
        return [((*path, name), rule + (f", got {got}" if got else ""))]
    if isinstance(exc, TypeError) and "required positional argument" in text:
        return [((*path, name), "required field is missing") for name in re.findall(r"'(\w+)'", text)]
    return [(path, text)]


MAX_CASE_BYTES = 4 << 20
MAX_DEPTH = 32
MAX_ITEMS = 1000
MAX_STRING_CHARS = 10_000
MAX_INTEGER_DIGITS = 20


class _Rejected:
    """A JSON token the parser refused (NaN, 1e400, a 5,000-digit integer); reported with its path."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it held more than once."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        repeated: dict[str, None] = {}
        for key, _ in pairs:
            if key in seen:
                repeated[key] = None
            seen.add(key)
        found.duplicates = tuple(repeated)
    return found


def _float(text: str) -> float | _Rejected:
    number = float(text)
    return number if math.isfinite(number) else _Rejected(f"{text[:40]} is out of range for a number")


def _int(text: str) -> int | _Rejected:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _Rejected(f"an integer of {len(text.lstrip('-'))} digits is out of range")
    return int(text)


def _constant(name: str) -> _Rejected:
    return _Rejected(f"{name} is not a JSON number")


def _child(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    name = str(key)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        name = json.dumps(name[:40], ensure_ascii=True)
    return f"{path}.{name}" if path else name


def _string_problem(value: str) -> str | None:
    if len(value) > MAX_STRING_CHARS:
        return f"a string longer than {MAX_STRING_CHARS} characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid Unicode (a lone surrogate)"
    return None


def check_json(data: Any, *, source: str | None = None) -> None:
    """Raise InputError, naming the JSON path, where parsed JSON is outside the SDK's limits:
    nesting deeper than MAX_DEPTH, a list or object of more than MAX_ITEMS entries, a string
    of more than MAX_STRING_CHARS or with invalid Unicode, a duplicate key, a non-finite or
    out-of-range number. Iterative: any depth of Python object is checked without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "$"
        if depth > MAX_DEPTH:
            raise InputError(f"nested deeper than {MAX_DEPTH} levels", source=source, location=where)
        if isinstance(value, _Rejected):
            raise InputError(value.problem, source=source, location=where)
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{value!r} is not a finite number", source=source, location=where)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise InputError("the integer is out of range", source=source, location=where)
        if isinstance(value, str):
            problem = _string_problem(value)
            if problem:
                raise InputError(problem, source=source, location=where)
        elif isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                raise InputError(f"more than {MAX_ITEMS} fields", source=source, location=where)
            for key in getattr(value, "duplicates", ()):
                raise InputError("the field is given more than once", source=source, location=_child(path, key))
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InputError("object keys must be strings", source=source, location=where)
                problem = _string_problem(key)
                if problem:
                    raise InputError(f"a field name with {problem}", source=source, location=where)
                stack.append((item, _child(path, key), depth + 1))
        elif isinstance(value, (list, tuple)):
            if len(value) > MAX_ITEMS:
                raise InputError(f"a list of more than {MAX_ITEMS} items", source=source, location=where)
            stack.extend((item, _child(path, index), depth + 1) for index, item in enumerate(value))


def structure_case(data: Any, *, source: str | None = None, files: Any = None) -> model.Case:
    """A :class:`~coverage_sdk.policy.model.Case` from parsed JSON.

    Bad input raises :class:`InputError` with ``location`` (the JSON path, ``tumor.margin_status``)
    and ``pointer`` (``/tumor/margin_status``); with several problems, ``problems`` lists each.
    ``files`` gives the plans' DICOM in memory, by the names the plans give (``Case.files``).
    """
    case = structure_checked(data, model.Case, source=source, what="a Case")
    return case if files is None else attrs.evolve(case, files=files)


def structure_checked(data: Any, cls: type[T], *, source: str | None = None, what: str) -> T:
    """An instance of the attrs class ``cls`` from parsed JSON, bad input an :class:`InputError` naming each place."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object ({what}), got {_json_type(data)}", source=source, location="$", pointer="")
    check_json(data, source=source)
    try:
        return get_converter().structure(data, cls)
    except Exception as exc:  # cattrs raises exception groups of any validation error
        found = [
            InputError(text, source=source, location=_dotted(parts) or "(top level)", pointer=_pointer(parts))
            for parts, text in _problems(exc, ())
        ]
        if len(found) == 1:
            raise found[0] from None
        message = "; ".join(f"{problem.location}: {problem.message}" for problem in found)
        raise InputError(message, source=source, problems=found) from None


def parse_case_json(raw: bytes, *, source: str | None = None) -> Any:
    """Parsed Case JSON: UTF-8, strict numbers, duplicate keys and every limit of :func:`check_json` checked."""
    if len(raw) > MAX_CASE_BYTES:
        raise InputError(f"larger than {MAX_CASE_BYTES >> 20} MiB", source=source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=source) from None
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", source=source) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", source=source, location="$") from None
    check_json(data, source=source)
    return data


def _regular(info: os.stat_result, source: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InputError("expected a file, found a directory", source=source)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("expected a regular file (not a device, FIFO or socket)", source=source)
    if info.st_size > MAX_CASE_BYTES:
        raise InputError(f"larger than {MAX_CASE_BYTES >> 20} MiB", source=source)


def read_input(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file of at most MAX_CASE_BYTES; anything else (a directory, a
    device, a FIFO, a larger file) is an InputError, found before the file is read."""
    source = str(path)
    try:
        _regular(os.stat(path), source)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except IsADirectoryError:
        raise InputError("expected a file, found a directory", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=source) from None
    except ValueError:
        raise InputError("the path contains a NUL character", source=source[:200]) from None
    with os.fdopen(fd, "rb") as file:
        _regular(os.fstat(fd), source)
        return file.read(MAX_CASE_BYTES + 1)


def load_case(path: str | os.PathLike[str], *, base_dir: str | os.PathLike[str] | None = None) -> model.Case:
    """Read and validate a Case JSON file (:func:`read_input`, :func:`parse_case_json`).

    The case's DICOM paths resolve inside ``base_dir``, by default the case file's folder.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load_case() takes the path of a case JSON file (str or os.PathLike), not {type(path).__name__}; "
                        "for JSON already parsed use structure_case")
    path = Path(path)
    source = str(path)
    case = structure_case(parse_case_json(read_input(path), source=source), source=source)
    folder = Path(base_dir) if base_dir is not None else path.parent
    return attrs.evolve(case, base_dir=str(folder.resolve()))


def unstructure(obj: Any) -> Any:
    """JSON-ready data for any model object (a Case, a Determination, a list of them)."""
    return get_converter().unstructure(obj)


def canonical_json(obj: Any) -> str:
    """Sorted keys, no insignificant whitespace: the bytes behind ``case_sha256``."""
    return json.dumps(unstructure(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def case_sha256(case: model.Case) -> str:
    return hashlib.sha256(canonical_json(case).encode("utf-8")).hexdigest()
