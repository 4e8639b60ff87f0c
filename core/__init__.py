"""jiuzhu 救助: rules as code for Chinese medical assistance (医疗救助) policy.

The core defines hook specs (:mod:`jiuzhu.hookspecs`); each region is a plugin. Typical use::

    from jiuzhu import load_case, Engine
    outcome = Engine().evaluate(load_case("case.toml"), region="wusheng")
"""

from jiuzhu.hookspecs import hookimpl
from jiuzhu.rules.engine import Context, Engine
from jiuzhu.model.errors import InputError, JiuzhuError, MissingParameter
from jiuzhu.io.loader import load_case, structure_case
from jiuzhu.model.case import (Action, Bill, BillItem, Case, Contact, Episode, Facility, History, OtherPayer, Person,
                               ReferralStep, Status)
from jiuzhu.model.outcome import (Citation, Deadline, DocumentNeed, Duty, Eligibility, Outcome, OutcomeWarning, PassedOver,
                                  Reason, ReferralVerdict, SignaturePlan, UnknownDue)
from jiuzhu.model.region import RegionInfo, SourceDocument
from jiuzhu.rules.settle import Layer, Plan, SlipPayer

__version__ = "0.1.0"

__all__ = [
    "hookimpl", "Context", "Engine", "evaluate", "InputError", "JiuzhuError", "MissingParameter", "load_case",
    "structure_case", "Action", "Bill", "BillItem", "Case", "Contact", "Episode", "Facility", "History", "Person",
    "ReferralStep", "Citation", "Deadline", "DocumentNeed", "Eligibility", "Outcome", "PassedOver", "Reason",
    "ReferralVerdict", "SignaturePlan", "RegionInfo", "SourceDocument", "Layer", "Plan", "SlipPayer", "OtherPayer",
    "Status", "Duty", "OutcomeWarning", "UnknownDue",
]


_engine = None


def evaluate(case: Case, region: str | None = None, as_of=None) -> Outcome:
    """Evaluate one case with the default deployment (``jiuzhu.toml`` if present)."""
    global _engine
    if _engine is None:
        from jiuzhu.io.config import load_config
        _engine = Engine(deployment=load_config())
    return _engine.evaluate(case, region, as_of)
