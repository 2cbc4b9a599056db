"""The coverage_sdk names this adapter uses that are not exported by the top-level package.

Every such import is here, so that a move inside the SDK changes one module.
"""

from coverage_sdk.facts import label
from coverage_sdk.model import LineOfBusiness, RequestType
from coverage_sdk.plugins import InstalledPolicy, PluginHost

__all__ = ["InstalledPolicy", "LineOfBusiness", "PluginHost", "RequestType", "label"]
