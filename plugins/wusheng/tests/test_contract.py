"""The region contract (jiuzhu.contract) for Wusheng."""

from jiuzhu.contract import RegionContract


class TestContract(RegionContract):
    region_code = "wusheng"
    # The seed is a draft in force from the day it is issued: the deployment sets the date.
    # Guang'an's deployment parameters (e.g. its segment table) go beside it when it declares them.
    deployment = {"parameters": {"wusheng": {"effective_date": "2025-10-01"}}}
    # target_groups is cited once the region's eligibility rules are encoded; remove this line then.
    uncited = {"target_groups": "eligibility rules not yet encoded"}
