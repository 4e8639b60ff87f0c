"""The domain model: what a case says about a person, a facility, an episode and a bill.

Every class is a frozen attrs class. Money is integer fen (:data:`Fen`); inputs are yuan and
are converted exactly by the loader. Cross-field checks live in :func:`jiuzhu.io.loader.check`
so that each error can name its field path.
"""

from __future__ import annotations

import datetime as dt
from typing import NewType

import attrs

from jiuzhu.model.idcard import canonical
from jiuzhu.model.vocab import CATEGORIES

Fen = NewType("Fen", int)  # integer fen (分); 100 fen = 1 yuan

# A moment on the case: a date, or a timezone-aware date-time when the case gives the time of day.
# The loader keeps the date in ``admitted``/``on`` (every date rule reads it) and the date-time, when
# given, in ``admitted_at``/``at``; ``Episode.admission`` and ``Action.when`` give the finer of the two.
Moment = dt.date | dt.datetime


@attrs.frozen
class Contact:
    """A guardian (法定监护人), entrusted agent (委托代理人) or caregiver (照料护理人)."""

    name: str = ""
    relation: str = ""
    present: bool = True  # reachable in time to sign
    able: bool = True  # has the capacity to act (legal and mental); refusal is ``refuses``
    refuses: bool = False  # able and reachable, but declines to decide or sign (拒绝签字)
    # An entrusted agent's mandate (Liujiang 第十条第3项「书面委托」): ``written`` / ``oral`` / "" (not stated),
    # who gave it (a role: patient / guardian / township) and the post the agent holds
    # (institution_head / institution_staff / village_designee, or "" for anyone else).
    entrustment: str = ""
    entrusted_by: str = ""
    acting_as: str = ""


@attrs.frozen
class Status:
    """A certified personal status (e.g. 重度精神病患者 recognised by the civil-affairs bureau), held
    from ``from_`` to ``to`` (both inclusive; open-ended when absent), independently of any diagnosis."""

    kind: str  # see jiuzhu.model.vocab.STATUS_KINDS
    certified_by: str = ""
    from_: dt.date | None = None  # written ``from`` in a case
    to: dt.date | None = None

    def holds_on(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.to is None or day <= self.to)


@attrs.frozen
class Person:
    """A person in hardship. ``hukou`` and ``residence`` are division codes (6, 9 or 12 digits).

    ``hukou_address`` / ``residence_address`` are the address text below the code as the person
    gives it (乡镇、村、组, e.g. 中心镇桂花村3组): forms print names, and GB/T 2260 stops at the county.
    """

    id_number: str = attrs.field(converter=canonical)  # check character X upper case: one person, one spelling
    hukou: str
    name: str = ""
    residence: str = ""
    hukou_address: str = ""
    residence_address: str = ""
    categories: tuple[str, ...] = ()  # hardship categories, see jiuzhu.model.vocab.CATEGORIES
    certified_by: str = ""  # the body that recognised the status (e.g. 县民政局)
    area: str = "rural"  # urban / rural (城镇 / 农村)
    support_mode: str = "none"  # institutional / home / none (集中 / 分散供养)
    institution: str = ""  # the support institution (供养机构) for institutional support
    scheme: str = "residents"  # residents / employees / ncms / none
    care_level: str = "self_care"  # self_care / semi_disabled / fully_disabled
    has_full_capacity: bool = True  # 完全民事行为能力
    conscious: bool = True
    guardian: Contact | None = None
    agents: tuple[Contact, ...] = ()
    caregiver: Contact | None = None
    village_committee: str = ""
    entrusted: bool = False  # under an entrustment agreement (Liujiang 第五条)
    card_number: str = ""  # assistance card / support certificate number
    statuses: tuple[Status, ...] = ()  # certified statuses with their dates (身份认定), beside categories

    def holds(self, kind: str, day: dt.date) -> bool:
        """Does the person hold a certified status of ``kind`` on ``day``?"""
        return any(s.kind == kind and s.holds_on(day) for s in self.statuses)

    def categories_on(self, day: dt.date) -> tuple[str, ...]:
        """The hardship categories the person holds on ``day``: the undated ``categories`` and each dated
        status whose kind is a category (a person who moves from 低保边缘 to 低保 mid-year), in that order."""
        dated = tuple(s.kind for s in self.statuses if s.kind in CATEGORIES and s.holds_on(day))
        return tuple(dict.fromkeys((*self.categories, *dated)))


@attrs.frozen
class Facility:
    """A medical facility. ``location`` is its division code."""

    name: str
    level: str  # primary / county / city / provincial
    location: str
    ownership: str = "public"
    designations: tuple[str, ...] = ("insurance",)  # insurance / assistance
    code: str = ""  # 定点医药机构编号: the national platform's fixmedins_code


@attrs.frozen
class Action:
    """One approval, filing, notification, signature or appraisal on the referral path."""

    kind: str  # approval / filing / notification / signature / seal / appraisal / consent / certificate
    by: str  # a role, see ROLES
    on: dt.date | None = None
    method: str = "form"  # form / phone / online
    at: dt.datetime | None = None  # the date-time, when the case gives the time of day (set by the loader)

    @property
    def when(self) -> Moment | None:
        return self.at or self.on


ACTION_KINDS = {
    "approval": "审批意见",
    "filing": "备案",
    "notification": "报备",
    "signature": "签字",
    "seal": "盖章",
    "appraisal": "病情鉴定",
    "consent": "书面同意",
    "certificate": "证明",
    "referral_slip": "转诊单",
}
ROLES = {
    "patient": "本人",
    "guardian": "监护人",
    "agent": "委托代理人",
    "caregiver": "照料护理人",
    "institution": "供养机构",
    "institution_head": "供养机构负责人",
    "institution_staff": "供养机构工作人员",
    "village_designee": "村（居）委会指定人员",
    "village_committee": "村（居）委会",
    "township": "乡镇人民政府",
    "first_doctor": "首诊医生",
    "business_leader": "业务分管领导",
    "facility_leader": "医疗机构领导",
    "referring_facility": "转出医疗机构",
    "treating_facility": "收治医疗机构",
    "county_hospital": "县人民医院/县中医医院",
    "primary_facility": "基层医疗机构",
    "city_hospital": "市级医院",
    "civil_affairs_bureau": "民政局",
    "poverty_office": "扶贫办",
    "insurance_bureau": "医疗保障局",
    "insurer": "承办保险公司",
    "attending_doctor": "主治医生",
    "expert": "第三方专家",
    "unrecorded": "签字人未记录（政策未规定）",  # a region's walk found no one the policy names
}


@attrs.frozen
class ReferralStep:
    """One step of the path a patient took: first contact, referral or transfer."""

    to: str  # facility name
    to_level: str = ""
    kind: str = "referral"  # first_contact / referral / transfer / self
    origin: str = ""  # facility the patient came from
    on: dt.date | None = None
    actions: tuple[Action, ...] = ()
    documents: tuple[str, ...] = ()
    at: dt.datetime | None = None

    def has(self, kind: str, by: str | None = None) -> bool:
        return any(a.kind == kind and (by is None or a.by == by) for a in self.actions)

    def action(self, kind: str, by: str | None = None) -> Action | None:
        return next((a for a in self.actions if a.kind == kind and (by is None or a.by == by)), None)


@attrs.frozen
class Episode:
    """An inpatient stay or an outpatient visit."""

    kind: str  # inpatient / outpatient / special_outpatient
    admitted: dt.date
    discharged: dt.date | None = None
    emergency: bool = False
    diagnoses: tuple[str, ...] = ()  # condition tags or ICD-10 codes
    # The diagnosis names the hospital sent with the codes (same order; "" where none was sent).
    # A case file may give ``diagnoses = [{ code = "C34.9", name = "肺恶性肿瘤" }]``.
    diagnosis_names: tuple[str, ...] = ()
    decision: str = "routine"  # routine / major / emergency (decision kind, Liujiang 第十一条)
    public_interest: bool = False  # 涉及重大公共利益 (Liujiang 第十条第4项), as determined and recorded
    admission_indicated: bool = True
    path: tuple[ReferralStep, ...] = ()
    actions: tuple[Action, ...] = ()  # actions not tied to one step (e.g. an emergency phone notice)
    settlement: str = "one_stop"  # one_stop / manual / not_networked (结算方式), see vocab.SETTLEMENT_MODES
    claimed_on: dt.date | None = None  # when the claim (报销申请) was submitted
    proposed_by: str = ""  # a role (ROLES) who proposed the episode, e.g. an unfiled outside admission
    admitted_at: dt.datetime | None = None  # set by the loader when ``admitted`` gives the time of day
    discharged_at: dt.datetime | None = None

    @property
    def admission(self) -> Moment:
        """The admission as finely as the case gives it: a date-time, else the date."""
        return self.admitted_at or self.admitted

    @property
    def discharge(self) -> Moment | None:
        return self.discharged_at or self.discharged

    @property
    def day(self) -> dt.date:
        """The date the episode is judged by: discharge (settlement) if known, else admission."""
        return self.discharged or self.admitted

    def has(self, kind: str, by: str | None = None) -> bool:
        return any(a.kind == kind and (by is None or a.by == by) for a in self.actions) or any(
            s.has(kind, by) for s in self.path
        )


@attrs.frozen
class BillItem:
    """A line of the fee list (费用清单) that a rule needs to see, or the part of one line that sits in
    one column of the slip, with its approval state.

    ``column`` is the slip column its amount is part of (vocab.ITEM_COLUMNS): ``fully_self_paid``
    (default: a self-pay item 自费项目), ``over_limit``, ``first_self_paid`` or ``in_scope``. A line split
    across columns (a 乙类 item's first self-paid part and its in-scope rest) is one item per part. The
    loader checks that the items of each column never add up to more than that column, so an item is
    counted once, in one place: a rule removing the column need not remove the item again.
    """

    name: str
    amount: Fen
    column: str = "fully_self_paid"
    tags: tuple[str, ...] = ()  # e.g. pet_ct, maternity, off_catalogue
    approval: str = "none"  # approved / pending / refused / none
    consent: bool = False  # informed consent signed
    filed: bool = False  # filed with the bureau
    proposer: str = ""  # who proposed it: a role key (ROLES) or the words on the record (主治医生, 本人 …)


@attrs.frozen
class OtherPayer:
    """An amount another payer paid on the slip, with the payer's kind (vocab.OTHER_PAYER_KINDS)."""

    kind: str
    amount: Fen
    name: str = ""  # the payer as named on the slip (optional)


@attrs.frozen
class Bill:
    """The insurance settlement slip (医保结算单), in fen.

    total = in_scope + first_self_paid + over_limit + fully_self_paid. The ``*_paid`` fields
    are what the named payer already paid on the slip.
    """

    total: Fen
    in_scope: Fen
    first_self_paid: Fen = Fen(0)  # 先行自付（乙类）
    over_limit: Fen = Fen(0)  # 超限价自付
    fully_self_paid: Fen = Fen(0)  # 全自费
    deductible: Fen = Fen(0)  # 起付线 actually paid
    basic_paid: Fen = Fen(0)  # 统筹基金支付
    critical_paid: Fen = Fen(0)  # 大病保险支付
    assistance_paid: Fen = Fen(0)  # 医疗救助支付 (when settled one-stop)
    other_paid: Fen = Fen(0)  # 其他支付 of no stated kind (read as kind ``other``)
    items: tuple[BillItem, ...] = ()
    setl_id: str = ""  # 结算ID: the national platform's settlement id (setlinfo.setl_id)
    other_payers: tuple[OtherPayer, ...] = ()  # other payers by kind; where each stands is the region's data

    def other_by_kind(self) -> dict[str, int]:
        """What other payers paid, by kind; ``other_paid`` counts as kind ``other``."""
        out = {"other": int(self.other_paid)}
        for o in self.other_payers:
            out[o.kind] = out.get(o.kind, 0) + int(o.amount)
        return out

    @property
    def out_of_scope(self) -> int:
        return self.first_self_paid + self.over_limit + self.fully_self_paid

    @property
    def paid_on_slip(self) -> int:
        return (self.basic_paid + self.critical_paid + self.assistance_paid + self.other_paid
                + sum(o.amount for o in self.other_payers))


@attrs.frozen
class History:
    """What each programme already paid this person in the episode's calendar year (fen)."""

    ytd: dict[str, Fen] = attrs.field(factory=dict, hash=False)
    admissions: int = 0  # earlier admissions this year

    def used(self, program: str) -> int:
        return int(self.ytd.get(program, 0))


@attrs.frozen
class Case:
    """One case: a person, a facility, an episode and its bill."""

    person: Person
    facility: Facility
    episode: Episode
    bill: Bill
    history: History = History()
    id: str = ""
    region: str | None = None
    # Fields the case left out and the engine defaulted (dotted paths), set by the loader so that the
    # outcome can say what it assumed (see jiuzhu.rules.engine.ASSUMPTIONS). Not an input field.
    defaulted: tuple[str, ...] = ()
