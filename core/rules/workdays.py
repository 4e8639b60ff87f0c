"""Working days (工作日) on the official Chinese calendar.

National holidays and swapped working weekends come from the ``chinesecalendar`` package.
A region adds its own holidays (Guangxi's 壮族三月三) through parameters, and a deployment may
supply a year the package does not know yet (``[calendar]`` in jiuzhu.toml). A date in a year
no calendar knows is never a Monday–Friday guess: a strict calendar raises :class:`CalendarError`;
the default calendar returns an :class:`~jiuzhu.model.outcome.UnknownDue` in place of the date, so
the rest of the evaluation (eligibility, verdict, money) goes on and the outcome reports the deadline
as unknown with a warning.

Hour deadlines (「入院24小时内」) are counted to the minute when the case gives a time of day
(:func:`add_hours` on a date-time) and by the day rule when it gives only a date.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import chinese_calendar

from jiuzhu.model.errors import CalendarError
from jiuzhu.model.outcome import UnknownDue

CHINA = dt.timezone(dt.timedelta(hours=8), "+08:00")  # the zone of a date-time that names none


class _Unknown(Exception):
    def __init__(self, year: int):
        self.year = year


def unknown_year_message(year: int) -> tuple[str, str]:
    return (f"{year}年法定节假日安排未知，无法计算工作日；请在 jiuzhu.toml 的 [calendar] 中补充{year}年节假日/调休工作日，"
            f"或升级 chinesecalendar",
            f"working days of {year} are not known to this installation (chinesecalendar knows its published "
            f"years); supply [calendar] holidays/workdays for {year} in jiuzhu.toml or upgrade chinesecalendar")


class WorkCalendar:
    def __init__(self, extra_holidays: Iterable[dt.date] = (), extra_workdays: Iterable[dt.date] = (),
                 known_years: Iterable[int] = (), strict: bool = True):
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self.supplied_years = frozenset(known_years)
        self.strict = strict

    def with_holidays(self, holidays: Iterable[dt.date]) -> "WorkCalendar":
        return WorkCalendar(self.extra_holidays | set(holidays), self.extra_workdays, self.supplied_years, self.strict)

    def _unknown(self, year: int) -> UnknownDue:
        zh, en = unknown_year_message(year)
        if self.strict:
            raise CalendarError(f"calendar: {en}")
        return UnknownDue(year, zh, en)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        if day.year in self.supplied_years:
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if self.strict:
                self._unknown(day.year)
            raise _Unknown(day.year) from None

    def add_working_days(self, start: dt.date, n: int) -> dt.date | UnknownDue:
        """The n-th working day after ``start`` (start itself not counted; a date-time counts by its date).
        In a year no calendar knows: :class:`CalendarError` (strict) or an :class:`UnknownDue`."""
        if isinstance(start, UnknownDue):
            return start
        day, left = _as_date(start), n
        try:
            while left > 0:
                day += dt.timedelta(days=1)
                if self.is_workday(day):
                    left -= 1
        except _Unknown as u:
            return self._unknown(u.year)
        return day

    def next_workday(self, day: dt.date) -> dt.date | UnknownDue:
        """``day`` itself if it is a working day, else the next one (a due date falling on a holiday)."""
        if isinstance(day, UnknownDue):
            return day
        day = _as_date(day)
        try:
            while not self.is_workday(day):
                day += dt.timedelta(days=1)
        except _Unknown as u:
            return self._unknown(u.year)
        return day


def _as_date(m) -> dt.date:
    return m.date() if isinstance(m, dt.datetime) else m


def add_hours(start, hours: int):
    """An hour deadline (「…后24小时内」) from a moment.

    From a date-time (the case gave the time of day): that time plus ``hours``, to the minute, as a
    date-time (21:30 + 24 h → next day 21:30). From a date: by the day rule, whole days counted up
    (the time of day is not known), as a date. ``Deadline.basis`` tells the two apart.
    """
    if isinstance(start, dt.datetime):
        return start + dt.timedelta(hours=hours)
    return start + dt.timedelta(days=-(-hours // 24))


def is_late(done, due) -> bool:
    """Was ``done`` after ``due``? To the minute when both are date-times; by the day when either is a
    date; never late against an unknown or absent due."""
    if done is None or due is None or isinstance(due, UnknownDue):
        return False
    if isinstance(done, dt.datetime) and isinstance(due, dt.datetime):
        return done > due
    return _as_date(done) > _as_date(due)


def day_of_month(ref: dt.date, day: int, months_after: int = 1) -> dt.date:
    """Day ``day`` of the month ``months_after`` months after ``ref``'s month (e.g. by the 5th of next month).
    An unknown ``ref`` stays unknown (as do the other helpers here)."""
    if isinstance(ref, UnknownDue):
        return ref
    m = ref.month - 1 + months_after
    return dt.date(ref.year + m // 12, m % 12 + 1, day)


def quarter_end(ref: dt.date) -> dt.date:
    if isinstance(ref, UnknownDue):
        return ref
    q_last = ((ref.month - 1) // 3) * 3 + 3
    nxt = dt.date(ref.year + (q_last == 12), q_last % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
