"""Premium subsidies (资助参保): medical assistance paying part of a person's individual contribution.

Three seeds fund the residents' scheme premium of people in hardship (Guang'an 二（一）, Fushun 四（一）,
Liujiang 第六条第二款). They differ only in *which* share each category gets, who pays it and from which
fund; the arithmetic is one mechanism, kept here:

* a region states a :class:`PremiumRule` per category it subsidises (share, payer, funding, the seed's
  sentence as a :class:`~jiuzhu.model.outcome.Reason`);
* :func:`subsidise` picks the rule that applies to a person holding several categories and applies it to
  the year's individual contribution.

Premiums are not a settlement of a medical bill, so no hook asks for them; a region calls this from its
own helpers or documents. The contribution itself is set by the insurance scheme each year: regions take
it from a required deployment parameter or from the caller, never from a literal.

Rounding: the subsidy is ``share × basis`` rounded half up to the fen, once, and never more than the
contribution; the person's part is the contribution less the subsidy.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import attrs

from jiuzhu.model.errors import InputError
from jiuzhu.model.money import round_half_up
from jiuzhu.model.outcome import Citation, Reason

NOT_STATED = "未载明 (not stated in the seed)"  # payer or funding a seed does not name: said, not invented


@attrs.frozen
class PremiumRule:
    """What one hardship category gets towards its individual premium."""

    category: str
    share: Fraction = attrs.field()  # of ``basis``, from nothing to the whole
    reason: Reason  # the seed's sentence, with its citation
    payer: str = NOT_STATED  # who pays (e.g. 区（市、县）财政部门)
    funding: str = NOT_STATED  # from which fund (e.g. 医疗救助资金)
    basis: int | None = None  # fen the share applies to; None: the individual contribution itself

    @share.validator
    def _share(self, attribute, value):
        if not 0 <= value <= 1:
            raise ValueError(f"premium rule {self.category}: share must be between 0 and 1, not {value}")


@attrs.frozen
class PremiumSubsidy:
    """The subsidy of one person's individual contribution for one coverage year (fen)."""

    category: str
    share: Fraction
    premium: int | None  # the individual contribution; None when the deployment has not set it
    subsidy: int | None
    personal: int | None  # what the person still pays
    payer: str
    funding: str
    reasons: tuple[Reason, ...]

    @property
    def cite(self) -> Citation:
        return self.reasons[0].cite


def choose(rules: Sequence[PremiumRule], combine: str = "best") -> PremiumRule | None:
    """The rule for a person holding every category in ``rules`` (in the order the seed lists them).

    ``best``: the highest share, ties to the first listed (a person is subsidised once, at the most
    favourable standard). ``sum_capped``: the shares added, at most the whole contribution (a reading some
    seeds leave open, e.g. Guang'an GA-AMB-9); payer, funding and citation stay those of the best rule.
    """
    if not rules:
        return None
    best = max(rules, key=lambda r: (r.share, -rules.index(r)))
    if combine == "sum_capped":
        return attrs.evolve(best, share=min(Fraction(1), sum((r.share for r in rules), Fraction(0))))
    if combine != "best":
        raise ValueError(f"premium combine must be best or sum_capped, not {combine!r}")
    return best


def subsidise(rule: PremiumRule, premium: int | None, extra: Sequence[Reason] = ()) -> PremiumSubsidy:
    """Apply ``rule`` to the individual contribution ``premium`` (fen); ``extra`` reasons ride along."""
    reasons = (rule.reason, *extra)
    if premium is not None and (type(premium) is not int or premium < 0):
        raise InputError("individual contribution", premium, "expected whole fen, 0 or more")
    if premium is None:
        return PremiumSubsidy(rule.category, rule.share, None, None, None, rule.payer, rule.funding, reasons)
    basis = premium if rule.basis is None else rule.basis
    subsidy = min(round_half_up(rule.share * basis), premium)
    return PremiumSubsidy(rule.category, rule.share, premium, subsidy, premium - subsidy, rule.payer, rule.funding,
                          reasons)
