"""Errors a user can act on. Each renders as one line; the CLI exits with status 2."""

from __future__ import annotations


class JiuzhuError(Exception):
    """Base class: the message is a single line safe to show to the user."""

    exit_code = 2


class InputError(JiuzhuError):
    """A case, claim or configuration value is wrong.

    ``field`` is the dotted path (``person.id_number``), ``value`` what was given,
    ``expected`` what would have been accepted.
    """

    def __init__(self, field: str, value: object, expected: str):
        from jiuzhu.model.redact import shown

        self.field, self.value, self.expected = field, value, expected
        # the value is echoed bounded, on one line, with ID numbers masked
        super().__init__(f"{field}: {expected} (got {shown(value)})" if value is not None else f"{field}: {expected}")


class UnknownRegion(JiuzhuError):
    def __init__(self, code: str, known: list[str]):
        super().__init__(f"region: unknown region {code!r}; installed regions: {', '.join(sorted(known)) or 'none'}")


class MissingParameter(JiuzhuError):
    """A number the seed does not give is needed and the deployment has not set it."""

    def __init__(self, region: str, name: str, label: str = "", hint: str = ""):
        self.region, self.name = region, name
        what = f" ({label})" if label else ""
        extra = f"; {hint}" if hint else ""
        super().__init__(
            f"parameters.{region}.{name}{what}: required deployment parameter is not set; "
            f"set it under [parameters.{region}] in jiuzhu.toml{extra}"
        )


class ClaimError(JiuzhuError):
    """What one claim's own facts make impossible to evaluate (a date no parameter value covers, a year no
    calendar knows), as opposed to a deployment or region at fault: a batch lists that claim in its errors
    file and computes the others. ``field`` names the claim's field at fault when it is known."""

    field = ""
    expected = ""


class NotInForce(ClaimError):
    """A dated parameter has values, but none in force on the claim's day (it is dated later)."""

    def __init__(self, region: str, name: str, day, earliest):
        self.region, self.name = region, name
        self.expected = (f"a date on or after {earliest.isoformat()}: parameters.{region}.{name} has no value "
                         f"in force before")
        super().__init__(f"parameters.{region}.{name}: no value in force on {day.isoformat()}; "
                         f"earliest is {earliest.isoformat()}")


class CalendarError(ClaimError):
    """A working-day computation reaches a year no calendar knows."""
