"""The signature-authority walk (签字决策顺序) shared by regions.

Ranks are tried in order; a rank signs when it exists and is able, and no rank may be
skipped while a higher one is present and able. Liujiang 第十条 is the model: the person →
legal guardian / person with a legal duty → entrusted agent → head of the institution or the
village committee (then filed with the bureau).
"""

from __future__ import annotations

from jiuzhu.model.case import Person
from jiuzhu.model.outcome import PassedOver

RANK_ROLES = {1: "patient", 2: "guardian", 3: "agent", 4: "institution_head"}


def resolve(person: Person, unreachable_passes_down: bool = True) -> tuple[int, str, str, tuple[PassedOver, ...]]:
    """Return (rank, role, name, passed_over) for the person's facts.

    A rank with nobody able is passed over with the reason. An able rank who cannot be reached
    in time passes the authority down when ``unreachable_passes_down`` (the plain reading of
    "present and able"); otherwise it keeps it, and the caller says that treatment waits for them.
    """
    passed: list[PassedOver] = []
    if person.has_full_capacity and person.conscious:
        return 1, "patient", person.name, ()
    why_zh = "、".join(w for w, bad in (("不具备完全民事行为能力", not person.has_full_capacity),
                                        ("意识不清", not person.conscious)) if bad)
    why_en = " and ".join(w for w, bad in (("lacks full civil capacity", not person.has_full_capacity),
                                           ("is not conscious", not person.conscious)) if bad)
    passed.append(PassedOver(1, "patient", f"本人{why_zh}", f"the person {why_en}"))

    def signs(c) -> bool:
        return c is not None and c.able and (c.present or not unreachable_passes_down)

    g = person.guardian
    if signs(g):
        return 2, "guardian", g.name, tuple(passed)
    passed.append(_absent(2, "guardian", g, "法定监护人或法定义务人", "legal guardian or person with a legal duty"))
    agent = next((a for a in person.agents if signs(a)), None)
    if agent is not None:
        return 3, "agent", agent.name, tuple(passed)
    passed.append(_absent(3, "agent", person.agents[0] if person.agents else None, "委托代理人", "entrusted agent"))
    if person.support_mode == "institutional":
        return 4, "institution_head", person.institution, tuple(passed)
    return 4, "village_committee", person.village_committee, tuple(passed)


def _absent(rank, role, contact, zh, en) -> PassedOver:
    if contact is None:
        return PassedOver(rank, role, f"无{zh}", f"no {en}")
    if not contact.able:
        return PassedOver(rank, role, f"{zh}不具备能力或不愿履行", f"{en} unable or unwilling to act")
    return PassedOver(rank, role, f"{zh}不在场或无法及时联系", f"{en} not present or not reachable in time")
