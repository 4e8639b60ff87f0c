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
from jiuzhu.model.region import Program, RegionInfo, SourceDocument
from jiuzhu.rules.settle import Layer, Plan, SlipPayer

__version__ = "0.1.0"

__all__ = [
    "hookimpl", "Context", "Engine", "evaluate", "InputError", "JiuzhuError", "MissingParameter", "load_case",
    "structure_case", "Action", "Bill", "BillItem", "Case", "Contact", "Episode", "Facility", "History", "Person",
    "ReferralStep", "Citation", "Deadline", "DocumentNeed", "Eligibility", "Outcome", "PassedOver", "Reason",
    "ReferralVerdict", "SignaturePlan", "Program", "RegionInfo", "SourceDocument", "Layer", "Plan", "SlipPayer", "OtherPayer",
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


# Modules of the first, flat layout, kept importable for regions written against it: ``import jiuzhu.settle``
# still works and names its new home in a DeprecationWarning.
_MOVED = {
    "model": None, "outcome": "model.outcome", "region": "model.region", "vocab": "model.vocab",
    "idcard": "model.idcard", "money": "model.money", "conditions": "model.conditions", "errors": "model.errors",
    "tomlio": "model.tomlio", "engine": "rules.engine", "params": "rules.params", "settle": "rules.settle",
    "signature": "rules.signature", "workdays": "rules.workdays", "loader": "io.loader", "config": "io.config",
    "report": "io.report", "forms": "paperwork.forms", "ledger": "paperwork.ledger", "compare": "analysis.compare",
    "batch": "analysis.batch", "claims": "analysis.claims", "sweep": "analysis.sweep", "synth": "analysis.synth",
    "scaffold": "kit.scaffold", "contract": "kit.contract", "casetest": "kit.casetest",
    "pytest_plugin": "kit.pytest_plugin", "strategies": "kit.strategies", "testing": "kit.testing",
}


def _install_moved_modules() -> None:
    import importlib
    import importlib.abc
    import importlib.util
    import sys
    import warnings

    def importer_level() -> int:
        # warnings.warn skips importlib's frozen bootstrap frames by itself; importlib.import_module is a plain
        # frame, so step over it too and the warning names the line that wrote the old name
        level, f = 2, sys._getframe(2)
        while f is not None:
            name = f.f_code.co_filename
            if "importlib" in name and "_bootstrap" in name:
                f = f.f_back
                continue
            if name == importlib.__file__:
                level += 1
                f = f.f_back
                continue
            break
        return level

    own = {}  # alias name → the real module's spec, between create_module and exec_module

    class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path=None, target=None):
            head, _, old = fullname.partition(".")
            if head == "jiuzhu" and _MOVED.get(old):
                return importlib.util.spec_from_loader(fullname, self)
            return None

        def create_module(self, spec):
            new = "jiuzhu." + _MOVED[spec.name.split(".", 1)[1]]
            warnings.warn(f"{spec.name} moved to {new}", DeprecationWarning, stacklevel=importer_level())
            module = importlib.import_module(new)
            own[spec.name] = module.__spec__  # the import system stamps the alias spec on it next
            return module

        def exec_module(self, module):
            module.__spec__ = own.pop(module.__spec__.name)  # its own name again, for reload, repr, pickling

    sys.meta_path.append(_Alias())


_install_moved_modules()
