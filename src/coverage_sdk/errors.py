"""Errors the SDK reports to its host. Bad input is an :class:`InputError`: exit code 2 in the CLI."""

from __future__ import annotations

from collections.abc import Sequence


class CoverageSDKError(Exception):
    """The base of every error the SDK raises on purpose."""


class InputError(CoverageSDKError, ValueError):
    """Input that does not meet the contract: names the file, the place in it, and what was expected.

    ``source`` is the file (or ``--flag``) at fault; ``location`` the place in it, a JSON path
    (``tumor.margin_status``) or a DICOM tag (``(3004,000E) DoseGridScaling``); ``pointer`` the
    same place in case JSON as an RFC 6901 JSON pointer (``/tumor/margin_status``); ``problems``
    each problem as an InputError of its own when there are several. None of them ever
    carries patient data.
    """

    def __init__(
        self, message: str, *, source: str | None = None, location: str | None = None, pointer: str | None = None,
        problems: Sequence[InputError] = (),
    ) -> None:  # fmt: skip
        self.message = message
        self.source = source
        self.location = location
        self.pointer = pointer
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.location) if part)
        return f"{where}: {self.message}" if where else self.message

    @property
    def detail(self) -> str:
        """The message with its place in the file, without the file: ``tumor.margin_status: ...``."""
        return f"{self.location}: {self.message}" if self.location else self.message


class MissingExtensionError(CoverageSDKError, ImportError):
    """A compiled kernel is not built and ``COVERAGE_SDK_REQUIRE_COMPILED`` forbids its numpy twin."""


class PluginError(CoverageSDKError, RuntimeError):
    """A plugin failed or answered outside the contract; reported in that policy's determination."""
