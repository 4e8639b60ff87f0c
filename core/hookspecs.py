"""Hook specifications: what a region plugin answers.

A region is one plugin object (usually a module) registered under the ``jiuzhu.regions``
entry-point group. The engine calls each region's hooks separately (a region never sees
another region's answers), walking the chain from the parent region down: a Wusheng
deployment asks Guang'an first, then Wusheng.

Every hook receives only the arguments it names (pluggy's opt-in arguments), so specs can
grow without breaking plugins. ``ctx`` is a :class:`jiuzhu.rules.engine.Context`: the region's
information, the evaluation date, the parameters in force on it (``ctx.params``), the
working-day calendar and ``ctx.cite(article, rule)`` for citations.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("jiuzhu")
hookimpl = pluggy.HookimplMarker("jiuzhu")


# -- identity and data -------------------------------------------------------------------------


@hookspec(firstresult=True)
def jiuzhu_region():
    """Describe the region.

    :return: a :class:`jiuzhu.model.region.RegionInfo` (code, Chinese and English names, division code,
        parent region code, source documents with numbers and effective dates, version).
    """


@hookspec(firstresult=True)
def jiuzhu_parameters():
    """The region's dated parameters.

    :return: a path to a ``parameters.toml`` (see :mod:`jiuzhu.rules.params`) or the parsed table.
    """


@hookspec(firstresult=True)
def jiuzhu_rules():
    """The region's rule register: every inventory rule ID with its status.

    :return: a path to a ``rules.toml`` (see :mod:`jiuzhu.rules.register`), or None.
    """


@hookspec(firstresult=True)
def jiuzhu_programs():
    """The programmes (救助项目) the region's annual caps count in.

    Each is a :class:`jiuzhu.model.region.Program`: id (the ``history.ytd`` key and the ``program`` of
    the layers whose annual cap counts in it), Chinese and English names, the layer ids that count
    in it and whether their amounts or their bases count. The engine refuses a ``history.ytd`` key
    no region of the chain declares, and a layer whose annual cap counts in an undeclared programme;
    the settlement ledger (:mod:`jiuzhu.store`) derives the year-to-date of each from what it recorded.

    :return: a list of Program (empty when the region has no annual caps).
    """


# -- policy areas ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def jiuzhu_eligibility(case, ctx):
    """Is the person a target of this region's assistance (救助对象)?

    :param case: a :class:`jiuzhu.model.Case`.
    :return: a :class:`jiuzhu.model.outcome.Eligibility` with cited reasons.
    """


@hookspec(firstresult=True)
def jiuzhu_referral(case, ctx, eligibility):
    """Judge the care path: first contact, referral, approvals, filings.

    :return: a :class:`jiuzhu.model.outcome.ReferralVerdict`: covered / pay_first_claim / reduced /
        not_covered / case_by_case / not_applicable, with cited reasons and the filings the case
        still requires, each a :class:`jiuzhu.model.outcome.Deadline` with a calendar date.
    """


@hookspec(firstresult=True)
def jiuzhu_signature(case, ctx):
    """Who signs for treatment (signature-authority order) and what else must be signed or filed.

    Resolve the actual signer from the person's facts and say why each higher rank was passed
    over (:func:`jiuzhu.rules.signature.resolve` implements the common rank walk).

    :return: a :class:`jiuzhu.model.outcome.SignaturePlan`, or None if the region says nothing.
    """


@hookspec(firstresult=True)
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    """The payer layers this region applies after the insurance slip.

    Decide *which* layers apply and with which parameters; the amounts are computed by the
    engine (:mod:`jiuzhu.rules.settle`) so that one case and a million claims share one path. The plan
    may depend on the case's facts but not on its amounts: amounts enter only through the
    layers' bases.

    :return: a :class:`jiuzhu.rules.settle.Plan` (empty when nothing is paid).
    """


@hookspec(firstresult=True)
def jiuzhu_payer_order(ctx):
    """Where each kind of other payer on the slip stands relative to this region's layers (cited data).

    :return: a tuple of :class:`jiuzhu.rules.settle.SlipPayer` (kind, ``after`` or ``before`` layer ids,
        citation), or None: every kind stands before the region's layers. The engine attaches it to every
        plan of the region, whatever its verdict, so that one region's plans order their payers alike.
    """


@hookspec(firstresult=True)
def jiuzhu_documents(case, ctx, outcome):
    """The region's forms this case needs, with the data that fills them.

    :param outcome: the evaluated :class:`jiuzhu.model.outcome.Outcome` (without documents).
    :return: a list of :class:`jiuzhu.model.outcome.DocumentNeed`.
    """


@hookspec(firstresult=True)
def jiuzhu_duties(case, ctx, outcome):
    """Obligations that recur beyond this episode (e.g. a township's visit schedule).

    :param outcome: the evaluated :class:`jiuzhu.model.outcome.Outcome` (without documents).
    :return: a list of :class:`jiuzhu.model.outcome.Duty` (period and next due date, cited), or None.
    """


@hookspec(firstresult=True)
def jiuzhu_warnings(case, ctx, outcome):
    """What the reader of this outcome must know that no verdict says: a diagnosis that maps to nothing
    the region lists, an amount removed on an assumption the case could not settle.

    :param outcome: the evaluated :class:`jiuzhu.model.outcome.Outcome` (with documents, without warnings).
    :return: a list of :class:`jiuzhu.model.outcome.OutcomeWarning` (kind, zh, en, field, cite), or None.
    """


@hookspec(firstresult=True)
def jiuzhu_templates():
    """Where the region's form templates live.

    :return: a path to a folder of template files named after form ids, or None.
    """


@hookspec(firstresult=True)
def jiuzhu_examples():
    """Where the region's example cases live.

    :return: a path to a folder of case files, or None.
    """


# -- extensions (not region-specific) ----------------------------------------------------------


@hookspec
def jiuzhu_register_commands(cli):
    """Add commands to the ``jiuzhu`` click group (for extension packages)."""
