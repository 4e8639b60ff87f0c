"""Exact money: integer fen (分) everywhere, Fractions for rates.

Rounding rule (also in docs/case-schema.md): every computed amount is rounded to the fen,
half up, once per step (a layer's base, then its rate). Inputs with more than two decimals
are rejected rather than rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

# The largest amount any input may carry is defined once, with its reason, in jiuzhu.model.limits
# (docs/security.md); re-exported here for the batch checks.
from jiuzhu.model.limits import MAX_FEN

Fen = int


def to_fen(value: object, field: str = "amount", allow_negative: bool = False) -> Fen:
    """Yuan (str, int, Decimal or a TOML/JSON number) to integer fen, exactly."""
    from jiuzhu.model.errors import InputError

    if isinstance(value, bool):
        raise InputError(field, value, "expected an amount in yuan")
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InputError(field, value, "expected an amount in yuan, e.g. 1234.56") from None
    if not d.is_finite():
        raise InputError(field, value, "expected a finite amount in yuan")
    fen = d * 100
    if fen != fen.to_integral_value():
        raise InputError(field, value, "expected at most two decimals (fen)")
    if fen < 0 and not allow_negative:
        raise InputError(field, value, "expected an amount of 0 or more")
    if abs(fen) > MAX_FEN:
        raise InputError(field, value, f"expected an amount of at most {yuan(MAX_FEN)} yuan")
    return int(fen)


def yuan(fen: Fen) -> str:
    """Integer fen to a yuan string with two decimals: 123456 -> '1234.56'."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(int(fen)), 100)
    return f"{sign}{q}.{r:02d}"


def yuan_grouped(fen: Fen) -> str:
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(int(fen)), 100)
    return f"{sign}{q:,}.{r:02d}"


def to_rate(value: object, field: str = "rate") -> Fraction:
    """A rate as an exact Fraction: '0.6', '60%', 0.6 (TOML float, read via its repr)."""
    from jiuzhu.model.errors import InputError

    s = str(value).strip()
    try:
        if s.endswith("%"):
            return Fraction(Decimal(s[:-1])) / 100
        return Fraction(Decimal(s))
    except (InvalidOperation, ValueError):
        raise InputError(field, value, "expected a rate such as 0.6 or '60%'") from None


def mul_round(amount: int, rate: Fraction) -> int:
    """amount × rate rounded half up to the fen (amount ≥ 0)."""
    num = amount * rate.numerator
    den = rate.denominator
    return (2 * num + den) // (2 * den)


def round_half_up(value: Fraction) -> int:
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def pct(rate: Fraction, places: int | None = None) -> str:
    """A rate as a percentage: exact (``60%``, ``12.5%``), or rounded half up to ``places`` decimals."""
    d = Decimal(rate.numerator) / Decimal(rate.denominator) * 100
    if places is not None:
        from decimal import ROUND_HALF_UP
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    s = format(d.normalize(), "f")
    return f"{s}%"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_BIG = ["", "万", "亿", "万亿"]


def capital_yuan(fen: Fen) -> str:
    """Chinese capital numerals (大写) as on receipts: 1234.50 -> 壹仟贰佰叁拾肆元伍角整."""
    if fen < 0:
        return "负" + capital_yuan(-fen)
    yuan_part, rest = divmod(fen, 100)
    jiao, fen_ = divmod(rest, 10)
    out = ""
    if yuan_part == 0:
        out = "零元" if rest == 0 else ""
    else:
        groups = []
        n = yuan_part
        while n:
            groups.append(n % 10000)
            n //= 10000
        parts = []
        zero_pending = False
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            if g == 0:
                zero_pending = True
                continue
            s = ""
            digits = [g // 1000 % 10, g // 100 % 10, g // 10 % 10, g % 10]
            started = bool(parts)
            if zero_pending or (started and digits[0] == 0):
                s += "零"
            zero_pending = False
            inner_zero = False
            for i, dgt in enumerate(digits):
                if dgt == 0:
                    if s and not s.endswith("零"):
                        inner_zero = True
                    continue
                if inner_zero:
                    s += "零"
                    inner_zero = False
                s += _DIGITS[dgt] + _UNITS[3 - i]
            parts.append(s + _BIG[gi])
        out = "".join(parts).lstrip("零") + "元"
    if rest == 0:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan_part:
        out += "零"
    if fen_:
        out += _DIGITS[fen_] + "分"
    else:
        out += "整"
    return out
