"""The signature-authority walk (签字决策顺序) shared by regions.

Ranks are tried in order; a rank signs when it exists and is able, and no rank may be
skipped while a higher one is present and able. Liujiang 第十条 is the model: the person →
legal guardian / person with a legal duty → entrusted agent → head of the institution or the
village committee (then filed with the bureau).

Facts kept apart, because the policies treat them apart:

- *able* (``Contact.able``): capacity to act. A holder without it is passed over.
- *refuses* (``Contact.refuses``): able, but declines. Refusal never passes the authority down
  (「有前一顺位且具备能力时，不得越位」); the caller says what follows (Liujiang LJ-AMB-21).
- *present* (``Contact.present``): reachable in time. An unreachable holder passes the authority
  down only when the caller says so (``unreachable_passes_down``).
- a region may reject an agent whose mandate does not qualify (``agent_valid``), e.g. an oral
  entrustment where a written one is required: such an agent does not hold rank 3 at all.

Several agents share rank 3: the first who can sign does; an unreachable or refusing one never
blocks a reachable one of the same rank.
"""

from __future__ import annotations

from typing import Callable

import attrs

from jiuzhu.model.case import Contact, Person
from jiuzhu.model.outcome import PassedOver

RANK_ROLES = {1: "patient", 2: "guardian", 3: "agent", 4: "institution_head"}


@attrs.frozen
class Walk:
    """Where the rank walk stopped.

    ``state``: ``signs`` (the holder can sign now), ``waits`` (an able holder keeps the authority but
    cannot be reached), ``refuses`` (an able, reachable holder declines), ``override`` (rank 4 signs
    because the caller found a major public interest, whoever else exists).
    ``rejected``: agents that do not hold rank 3, each with the reason (zh, en).
    """

    rank: int
    role: str
    name: str
    passed: tuple[PassedOver, ...] = ()
    state: str = "signs"
    holder: Contact | None = None
    rejected: tuple[tuple[Contact, str, str], ...] = ()


def walk(person: Person, unreachable_passes_down: bool = True,
         agent_valid: Callable[[Contact], tuple[str, str] | None] | None = None,
         public_interest: bool = False,
         rank4: Callable[[Person], tuple[str, str, Contact | None]] | None = None) -> Walk:
    """Walk ranks 1–4 for the person's facts.

    ``agent_valid(agent)`` returns None when the agent's mandate qualifies, else (why_zh, why_en).
    ``public_interest``: rank 4 signs although higher ranks exist (an alternative ground, Liujiang
    第十条第4项 「在无上述人员，或涉及重大公共利益时」).
    ``rank4(person)`` returns (role, name, contact or None) for a region whose fourth rank is not Liujiang's
    institution head or village committee (Wusheng names the caregiver or the care home, and has no
    village committee); by default the institution head for institutional support, else the village committee.
    """
    holder4 = None
    if rank4 is not None:
        rank4, rank4_name, holder4 = rank4(person)
    else:
        rank4 = "institution_head" if person.support_mode == "institutional" else "village_committee"
        rank4_name = person.institution if person.support_mode == "institutional" else person.village_committee
    rejected = tuple((a, *why) for a in person.agents
                     if agent_valid is not None and (why := agent_valid(a)) is not None)
    if public_interest:
        return Walk(4, rank4, rank4_name, (), "override", None, rejected)
    if person.has_full_capacity and person.conscious:
        return Walk(1, "patient", person.name, (), "signs", None, rejected)
    why_zh = "、".join(w for w, bad in (("不具备完全民事行为能力", not person.has_full_capacity),
                                        ("意识不清", not person.conscious)) if bad)
    why_en = " and ".join(w for w, bad in (("lacks full civil capacity", not person.has_full_capacity),
                                           ("is not conscious", not person.conscious)) if bad)
    passed = [PassedOver(1, "patient", f"本人{why_zh}", f"the person {why_en}")]

    def pick(holders):
        """(holder, state) of one rank: one who signs now, else one who keeps the authority, else None."""
        able = [c for c in holders if c is not None and c.able]
        now = next((c for c in able if c.present and not c.refuses), None)
        if now is not None:
            return now, "signs"
        refusing = next((c for c in able if c.present and c.refuses), None)
        if refusing is not None:
            return refusing, "refuses"
        away = next((c for c in able if not c.present), None)
        if away is not None and not unreachable_passes_down:
            return away, "refuses" if away.refuses else "waits"
        return None, ""

    g = person.guardian
    holder, state = pick([g])
    if holder is not None:
        return Walk(2, "guardian", holder.name, tuple(passed), state, holder, rejected)
    passed.append(_absent(2, "guardian", g, "法定监护人或法定义务人", "legal guardian or person with a legal duty"))
    bad = {id(a) for a, *_ in rejected}
    valid = [a for a in person.agents if id(a) not in bad]
    holder, state = pick(valid)
    if holder is not None:
        return Walk(3, "agent", holder.name, tuple(passed), state, holder, rejected)
    if valid:
        passed.append(_absent(3, "agent", valid[0], "委托代理人", "entrusted agent"))
    elif rejected:
        a, zh, en = rejected[0]
        passed.append(PassedOver(3, "agent", f"委托代理人{zh}", f"entrusted agent: {en}"))
    else:
        passed.append(_absent(3, "agent", None, "委托代理人", "entrusted agent"))
    return Walk(4, rank4, rank4_name, tuple(passed), "signs", holder4, rejected)


def resolve(person: Person, unreachable_passes_down: bool = True) -> tuple[int, str, str, tuple[PassedOver, ...]]:
    """Return (rank, role, name, passed_over) for the person's facts (see :func:`walk`)."""
    w = walk(person, unreachable_passes_down)
    return w.rank, w.role, w.name, w.passed


def _absent(rank, role, contact, zh, en) -> PassedOver:
    if contact is None:
        return PassedOver(rank, role, f"无{zh}", f"no {en}")
    if not contact.able:
        return PassedOver(rank, role, f"{zh}不具备能力", f"{en} lacks the capacity to act")
    return PassedOver(rank, role, f"{zh}不在场或无法及时联系", f"{en} not present or not reachable in time")
