"""The source document and how its sections are cited (shared/policies/bcbsm-bcn-iort.txt)."""

from coverage_sdk.policy.authoring import citer

DOCUMENT = "bcbsm-bcn-iort.txt"

cite = citer("BCBSM/BCN Joint Medical Policy, Intraoperative Radiotherapy (effective 7/1/24)")

INCLUSIONARY = "Inclusionary Guidelines (based on NCCN guidelines)"
EXCLUSIONARY = "Exclusionary Guidelines"
HISTORY = "Joint BCBSM/BCN Medical Policy History"
BCN_COVERAGE = "Blue Care Network Benefit Coverage, I. Coverage Determination"
GOVERNMENT = "Government Regulations"
