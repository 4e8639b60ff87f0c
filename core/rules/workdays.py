"""Working days (工作日) on the official Chinese calendar.

National holidays and swapped working weekends come from the ``chinesecalendar`` package.
A region adds its own holidays (Guangxi's 壮族三月三) through parameters, and a deployment may
supply a year the package does not know yet (``[calendar]`` in jiuzhu.toml). A date in a year
no calendar knows is an error, never a Monday–Friday guess.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import chinese_calendar

from jiuzhu.model.errors import CalendarError


class WorkCalendar:
    def __init__(self, extra_holidays: Iterable[dt.date] = (), extra_workdays: Iterable[dt.date] = (),
                 known_years: Iterable[int] = ()):
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self.supplied_years = frozenset(known_years)

    def with_holidays(self, holidays: Iterable[dt.date]) -> "WorkCalendar":
        return WorkCalendar(self.extra_holidays | set(holidays), self.extra_workdays, self.supplied_years)

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
            raise CalendarError(
                f"calendar: working days of {day.year} are not known to this installation "
                f"(chinesecalendar knows its published years); upgrade chinesecalendar or supply "
                f"[calendar] holidays/workdays for {day.year} in jiuzhu.toml"
            ) from None

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (start itself not counted)."""
        day, left = start, n
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next one (a due date falling on a holiday)."""
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day


def add_hours(start: dt.date, hours: int) -> dt.date:
    """A deadline in hours from a day (the day's end is not known, so whole days are counted up)."""
    return start + dt.timedelta(days=-(-hours // 24))


def day_of_month(ref: dt.date, day: int, months_after: int = 1) -> dt.date:
    """Day ``day`` of the month ``months_after`` months after ``ref``'s month (e.g. by the 5th of next month)."""
    m = ref.month - 1 + months_after
    return dt.date(ref.year + m // 12, m % 12 + 1, day)


def quarter_end(ref: dt.date) -> dt.date:
    q_last = ((ref.month - 1) // 3) * 3 + 3
    nxt = dt.date(ref.year + (q_last == 12), q_last % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
