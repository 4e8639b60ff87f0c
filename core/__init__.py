"""jiuzhu 救助: rules as code for Chinese medical assistance (医疗救助) policy.

The core defines hook specs (:mod:`jiuzhu.hookspecs`); each region is a plugin. Typical use::

    from jiuzhu import load_case, Engine
    outcome = Engine().evaluate(load_case("case.toml"), region="wusheng")
"""

from .hookspecs import hookimpl
from .engine import Context, Engine, evaluate
from .errors import InputError, JiuzhuError, MissingParameter
from .loader import load_case, structure_case
from .model import Action, Bill, BillItem, Case, Contact, Episode, Facility, History, Person, ReferralStep
from .outcome import (Citation, Deadline, DocumentNeed, Eligibility, Outcome, PassedOver, Reason, ReferralVerdict,
                      SignaturePlan)
from .region import RegionInfo, SourceDocument
from .settle import Layer, Plan

__version__ = "0.1.0"

__all__ = [
    "hookimpl", "Context", "Engine", "evaluate", "InputError", "JiuzhuError", "MissingParameter", "load_case",
    "structure_case", "Action", "Bill", "BillItem", "Case", "Contact", "Episode", "Facility", "History", "Person",
    "ReferralStep", "Citation", "Deadline", "DocumentNeed", "Eligibility", "Outcome", "PassedOver", "Reason",
    "ReferralVerdict", "SignaturePlan", "RegionInfo", "SourceDocument", "Layer", "Plan",
]
