"""Case and outcome types (案例与结论), region info, vocabularies, ID numbers, money, conditions.

The bottom layer: imports nothing else of jiuzhu. The case types are re-exported here
(``from jiuzhu.model import Case``).
"""

from jiuzhu.model.case import (ACTION_KINDS, ROLES, Action, Bill, BillItem, Case, Contact, Episode, Facility, Fen,
                               History, Person, ReferralStep)

__all__ = ["ACTION_KINDS", "ROLES", "Action", "Bill", "BillItem", "Case", "Contact", "Episode", "Facility", "Fen",
           "History", "Person", "ReferralStep"]
