"""The settlement ledger (结算台账): settlements recorded in a database, year-to-date derived from them.

    from jiuzhu.store import Store
    store = Store.open("sqlite:///jiuzhu.db", upgrade=True)
    res = store.settle(engine, case)          # res.key, res.replay, res.outcome …
"""

from jiuzhu.store.db import StoreError, resolve_url
from jiuzhu.store.ledger import (ProgramUsage, Reversal, Settlement, SettlementConflict, Store, Usage, mask_id)

__all__ = ["Store", "Settlement", "SettlementConflict", "StoreError", "Reversal", "Usage", "ProgramUsage",
           "resolve_url", "mask_id"]
