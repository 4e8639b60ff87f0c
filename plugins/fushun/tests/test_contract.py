"""The region contract (jiuzhu.kit.contract) for this region."""

from jiuzhu.kit.contract import RegionContract
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS


class TestContract(RegionContract):
    region_code = "fushun"
    # Deployment parameters the seeds do not give (drafts' effective dates, Guang'an's segment
    # table …), with illustrative values; Wusheng also composes its parent Guang'an.
    deployment = {"parameters": ILLUSTRATIVE_PARAMETERS}
