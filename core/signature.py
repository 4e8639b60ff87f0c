"""The signature-authority walk (签字决策顺序) shared by regions.

Ranks are tried in order; a rank signs when it exists and is able, and no rank may be
skipped while a higher one is present and able. Liujiang 第十条 is the model: the person →
legal guardian / person with a legal duty → entrusted agent → head of the institution or the
village committee (then filed with the bureau).
"""

from __future__ import annotations

from .model import Person
from .outcome import PassedOver

RANK_ROLES = {1: "patient", 2: "guardian", 3: "agent", 4: "institution_head"}


def resolve(person: Person, emergency: bool = False) -> tuple[int, str, str, tuple[PassedOver, ...]]:
    """Return (rank, role, name, passed_over) for the person's facts."""
    passed: list[PassedOver] = []
    if person.has_full_capacity and person.conscious:
        return 1, "patient", person.name, ()
    why = [] if person.has_full_capacity else ["无完全民事行为能力"]
    if not person.conscious:
        why.append("意识不清")
    passed.append(PassedOver(1, "patient", "本人" + "、".join(why),
                             "the person " + (" and ".join(
                                 (["lacks full civil capacity"] if not person.has_full_capacity else [])
                                 + (["is not conscious"] if not person.conscious else [])))))
    g = person.guardian
    if g is not None and g.present and g.able:
        return 2, "guardian", g.name, tuple(passed)
    passed.append(_absent(2, "guardian", g, "法定监护人或法定义务人", "legal guardian"))
    agent = next((a for a in person.agents if a.present and a.able), None)
    if agent is not None:
        return 3, "agent", agent.name, tuple(passed)
    passed.append(_absent(3, "agent", person.agents[0] if person.agents else None, "委托代理人", "entrusted agent"))
    if person.support_mode == "institutional":
        return 4, "institution_head", person.institution, tuple(passed)
    return 4, "village_committee", person.village_committee, tuple(passed)


def _absent(rank, role, contact, zh, en) -> PassedOver:
    if contact is None:
        return PassedOver(rank, role, f"无{zh}", f"no {en}")
    if not contact.present:
        return PassedOver(rank, role, f"{zh}不在场或无法及时联系", f"{en} not present or not reachable in time")
    return PassedOver(rank, role, f"{zh}无能力或不愿履行", f"{en} unable or unwilling to act")
