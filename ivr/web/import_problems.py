"""The import's line problems in the reader's language.

`domain.members_csv` words its problems in English for the command line and the logs
(the domain has no idea of a reader's language). The web shows the same problems to a
volunteer in Dutch, French or German: each known sentence is matched here and said
again through gettext, with its values (a number, a line) kept as they were. A sentence
not known here is shown as the domain wrote it, never dropped."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KINDS = {
    "premium-rate number": _l("a premium-rate number"),
    "shared-cost number": _l("a shared-cost number"),
    "toll-free number": _l("a toll-free number"),
    "VoIP number": _l("a VoIP number"),
    "personal number": _l("a personal number"),
    "pager number": _l("a pager number"),
    "national-rate (UAN) number": _l("a national-rate number"),
    "voicemail access number": _l("a voicemail access number"),
    "number of unknown type": _l("a number of unknown type"),
    "number type not allowed": _l("a number type that is not allowed"),
}


def _number(reason: str) -> str:
    """A reason of `domain.numbers.NumberRefused`, translated."""
    for pattern, say in _NUMBER:
        match = re.fullmatch(pattern, reason, re.DOTALL)
        if match:
            return say(*match.groups())
    return reason


_NUMBER: list[tuple[str, Callable[..., str]]] = [
    (r"no phone number", lambda: _("no phone number")),
    (r"not a phone number: '(.*)'", lambda v: _("%(value)s is not a phone number", value=v)),
    (r"invalid phone number: '(.*)'",
     lambda v: _("%(value)s is not a valid phone number", value=v)),
    (r"'(.*)' is in (\w+); allowed: (.*)",
     lambda v, c, a: _("%(value)s is a number of country %(country)s; allowed: %(allowed)s",
                       value=v, country=c, allowed=a)),
    (r"'(.*)' is a (.*)",
     lambda v, k: _("%(value)s is %(kind)s, which Buurtlijn does not call", value=v,
                    kind=KINDS.get(k, k))),
]

_PROBLEMS: list[tuple[str, Callable[..., str]]] = [
    (r"unknown BIN code '(.*)'",
     lambda c: _("BIN code %(code)s is not one of your BINs", code=c)),
    (r"no BIN code", lambda: _("no BIN code")),
    (r"no name", lambda: _("no name")),
    (r"phone: (.*)", lambda r: _("phone: %(reason)s", reason=_number(r))),
    (r"phone2: (.*)", lambda r: _("second number: %(reason)s", reason=_number(r))),
    (r"language '(.*)' is not one of (.*)",
     lambda v, a: _("language %(value)s is not one of %(allowed)s", value=v, allowed=a)),
    (r"email '(.*)' is not an address",
     lambda v: _("%(value)s is not an e-mail address", value=v)),
    (r"channel '(.*)' is not one of (.*)",
     lambda v, a: _("channel %(value)s is not one of %(allowed)s", value=v, allowed=a)),
    (r"channel email needs an e-mail address",
     lambda: _("channel email needs an e-mail address")),
    (r"channel sms is for members without an e-mail address",
     lambda: _("channel sms is for members without an e-mail address")),
    (r"channel sms needs a mobile number", lambda: _("channel sms needs a mobile number")),
    (r"(\w+) is longer than (\d+) characters",
     lambda c, n: _("%(column)s is longer than %(limit)s characters", column=c, limit=n)),
    (r"duplicate of line (\d+) \((.*)\)",
     lambda n, w: _("the same as line %(line)s (%(what)s)", line=n, what=w)),
    (r"more fields than columns in the header \((\d+), the header has (\d+)\)",
     lambda f, c: _("%(fields)s fields, but the header has %(columns)s columns", fields=f,
                    columns=c)),
    (r"only (\d+) field\(s\), the header has (\d+), so there is no (.*) \(a missing "
     r"separator\?\)",
     lambda f, c, m: _("only %(fields)s fields where the header has %(columns)s, so there "
                       "is no %(missing)s (a missing separator?)", fields=f, columns=c,
                       missing=m)),
    (r"a value in column (\d+), which has no name in the header",
     lambda c: _("a value in column %(column)s, which has no name in the header", column=c)),
    (r"missing column\(s\): (.*)", lambda c: _("missing columns: %(columns)s", columns=c)),
    (r"unknown column\(s\): (.*)", lambda c: _("unknown columns: %(columns)s", columns=c)),
    (r"column\(s\) given twice: (.*)",
     lambda c: _("columns given twice: %(columns)s", columns=c)),
    (r"expected header (.*)", lambda h: _("the header must be %(header)s", header=h)),
    (r"not readable as CSV \((.*)\)",
     lambda r: _("not readable as CSV (%(reason)s)", reason=r)),
    (r"no member rows after the header", lambda: _("no member rows after the header")),
    (r"(\S+) is shared with (.*) \(line (\d+)\); a broadcast calls this number once",
     lambda p, n, line: _("%(phone)s is shared with %(name)s (line %(line)s); a broadcast "
                          "calls this number once", phone=p, name=n, line=line)),
]


def translated(problem: str) -> str:
    """One problem of a line (without its "line N: "), in the reader's language."""
    for pattern, say in _PROBLEMS:
        match = re.fullmatch(pattern, problem, re.DOTALL)
        if match:
            return say(*match.groups())
    return problem
