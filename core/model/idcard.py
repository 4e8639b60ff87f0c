"""Resident ID numbers (居民身份证号码, GB 11643-1999)."""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_char(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def canonical(id_number: str) -> str:
    """The one spelling of a person's number: the check character X upper case. Files and systems also
    write it ``x``; both are the same person, so their annual caps and year-to-date are one. Anything
    else is returned as given (no spaces stripped: :func:`problem` refuses it, in a case and in a batch)."""
    if isinstance(id_number, str) and len(id_number) == 18 and id_number[17] == "x":
        return id_number[:17] + "X"
    return id_number


def problem(id_number: str) -> str | None:
    """Why ``id_number`` is invalid, or None. The message never repeats the number."""
    if not isinstance(id_number, str) or len(id_number) != 18:
        return "expected 18 characters"
    body, last = id_number[:17], id_number[17].upper()
    # ASCII digits only: str.isdigit also accepts full-width (０-９) and other scripts' digits, which the
    # batch refuses and which would make a second spelling of one person
    if not (id_number.isascii() and body.isdigit() and (last.isdigit() or last == "X")):
        return "expected 17 digits and a digit or X"
    try:
        born = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return f"birth date {body[6:10]}-{body[10:12]}-{body[12:14]} is not a real date"
    if born.year < 1880 or born > dt.date.today():
        return f"birth date {born.isoformat()} is out of range"
    expected = check_char(body)
    if last != expected:
        return f"check digit is {last}, expected {expected}"
    return None


def birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def sex(id_number: str) -> str:
    """'male' for an odd sequence digit, 'female' for even."""
    return "male" if int(id_number[16]) % 2 else "female"


def age_on(id_number: str, day: dt.date) -> int:
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def make(area: str, born: dt.date, seq: int) -> str:
    """Build a valid number (for examples and synthetic data): area code, birth date, sequence."""
    body = f"{area[:6]}{born:%Y%m%d}{seq % 1000:03d}"
    return body + check_char(body)
