"""Errors the SDK reports to its host. Bad input is an :class:`InputError`: exit code 2 in the CLI."""

from __future__ import annotations


class CoverageSDKError(Exception):
    """The base of every error the SDK raises on purpose."""


class InputError(CoverageSDKError, ValueError):
    """Input that does not meet the contract: names the file, the place in it, and what was expected.

    ``location`` is a JSON path (``tumor.margin_status``) or a DICOM tag
    (``(3004,000E) DoseGridScaling``); neither ever carries patient data.
    """

    def __init__(self, message: str, *, source: str | None = None, location: str | None = None) -> None:
        self.message = message
        self.source = source
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.location) if part)
        return f"{where}: {self.message}" if where else self.message


class PluginError(CoverageSDKError, RuntimeError):
    """A plugin failed or answered outside the contract; reported in that policy's determination."""
