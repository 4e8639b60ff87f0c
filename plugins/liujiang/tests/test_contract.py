"""The region contract (jiuzhu.contract) for Liujiang."""

from jiuzhu.contract import RegionContract


class TestContract(RegionContract):
    region_code = "liujiang"
    # The seed is a draft in force from the day it is issued: the deployment sets the date.
    deployment = {"parameters": {"liujiang": {"effective_date": "2025-10-01"}}}
    # target_groups is cited once the region's eligibility rules are encoded; remove this line then.
    uncited = {"target_groups": "eligibility rules not yet encoded"}
