"""Bearer tokens and roles, configured in ``jiuzhu.toml``::

    [service.tokens.zhongxin-his]          # the token's name: recorded with every settlement
    hash = "sha256:9c56…"                  # `jiuzhu token new` prints a token and this line
    role = "hospital"                      # hospital / civil_affairs / analyst
    region = "wusheng"                     # hospital and civil_affairs: the region they act for
    facility = "H51162200017"              # hospital: its 定点医药机构编号 (setlinfo fixmedins_code)

Only the SHA-256 of a token is stored. Tokens are 256 random bits, so a fast unsalted digest is
enough (nothing to guess from a dictionary); the plain token is shown once, when it is made.

Roles:

- ``hospital`` (定点医疗机构): evaluates and settles cases of its own facility only, reads and fills
  forms for its own settlements, and gets its own facility's rows of a month's ledger;
- ``civil_affairs`` (民政/医保经办): everything of its region (and of the regions below it);
- ``analyst``: regions, rules, parameters, programmes, evaluate and compare; no personal data is
  stored or read back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import attrs

from jiuzhu.model.errors import InputError

ROLES = {"hospital": "定点医疗机构 hospital", "civil_affairs": "民政/医保经办 civil affairs",
         "analyst": "分析人员 analyst"}
PREFIX = "sha256:"


@attrs.frozen
class Principal:
    """Who is calling: the token's name (recorded as the actor), role, region and facility."""

    name: str
    role: str
    region: str = ""
    facility: str = ""


def digest(token: str) -> str:
    return PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and its stored hash."""
    token = "jz_" + secrets.token_urlsafe(32)
    return token, digest(token)


class Tokens:
    """The configured tokens, by hash."""

    def __init__(self, principals: dict[str, Principal]):
        self._by_hash = principals

    def __len__(self) -> int:
        return len(self._by_hash)

    def find(self, token: str) -> Principal | None:
        h = digest(token)
        for known, who in self._by_hash.items():  # a handful of tokens: compare each in constant time
            if hmac.compare_digest(known, h):
                return who
        return None


def parse_tokens(raw: dict, regions: set[str] | None = None) -> Tokens:
    """``[service.tokens]`` to :class:`Tokens`; every problem is one line naming the key."""
    if not isinstance(raw, dict):
        raise InputError("service.tokens", None, "expected a table of token name = {hash, role, …}")
    out: dict[str, Principal] = {}
    for name, t in raw.items():
        where = f"service.tokens.{name}"
        if not isinstance(t, dict):
            raise InputError(where, None, "expected a table with hash and role")
        extra = set(t) - {"hash", "role", "region", "facility"}
        if extra:
            raise InputError(f"{where}.{sorted(extra)[0]}", None, "unknown key; expected hash, role, region, facility")
        h = t.get("hash")
        if not (isinstance(h, str) and h.startswith(PREFIX) and len(h) == len(PREFIX) + 64
                and all(c in "0123456789abcdef" for c in h[len(PREFIX):])):
            raise InputError(f"{where}.hash", None, "expected sha256:<64 hex digits> (see `jiuzhu token new`)")
        role = t.get("role")
        if role not in ROLES:
            raise InputError(f"{where}.role", role, f"expected one of {', '.join(ROLES)}")
        region, facility = t.get("region", ""), t.get("facility", "")
        for key, v in (("region", region), ("facility", facility)):
            if not isinstance(v, str):
                raise InputError(f"{where}.{key}", v, "expected text")
        if role in ("hospital", "civil_affairs") and not region:
            raise InputError(f"{where}.region", None, f"required for role {role}: the region it acts for")
        if region and regions is not None and region not in regions:
            raise InputError(f"{where}.region", region, f"expected an installed region: {', '.join(sorted(regions))}")
        if role == "hospital" and not facility:
            raise InputError(f"{where}.facility", None, "required for role hospital: its facility code (定点医药机构编号)")
        if role != "hospital" and facility:
            raise InputError(f"{where}.facility", facility, "only a hospital token is bound to a facility")
        if h in out:
            raise InputError(f"{where}.hash", None, f"the same token is already configured as {out[h].name}")
        out[h] = Principal(str(name), role, region, facility)
    return Tokens(out)
