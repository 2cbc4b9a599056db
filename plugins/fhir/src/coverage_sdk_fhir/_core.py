"""The coverage_sdk names this adapter uses beyond the top-level package: the plugin-author API.

Every such import is here, so that a move inside the SDK changes one module.
"""

from coverage_sdk import InstalledPolicy, PluginHost
from coverage_sdk.policy.facts import label
from coverage_sdk.policy.model import LineOfBusiness, RequestType

__all__ = ["InstalledPolicy", "LineOfBusiness", "PluginHost", "RequestType", "label"]
