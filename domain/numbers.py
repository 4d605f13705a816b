"""Phone numbers: parsed with `phonenumbers`, stored in E.164, dialled only when allowed.

Only countries in `ALLOWED_COUNTRIES` (default BE) and only landline or mobile numbers
are accepted: premium-rate, shared-cost, toll-free and invalid numbers are refused, so a
typo in a member list can never make the BIN pay for a premium call.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType as T

_TYPES = {
    T.FIXED_LINE: "landline",
    T.MOBILE: "mobile",
    T.FIXED_LINE_OR_MOBILE: "landline",
}
_REFUSED = {
    T.PREMIUM_RATE: "premium-rate number",
    T.SHARED_COST: "shared-cost number",
    T.TOLL_FREE: "toll-free number",
    T.VOIP: "VoIP number",
    T.PERSONAL_NUMBER: "personal number",
    T.PAGER: "pager number",
    T.UAN: "national-rate (UAN) number",
    T.VOICEMAIL: "voicemail access number",
    T.UNKNOWN: "number of unknown type",
}


class NumberRefused(ValueError):
    """A number we will not store or dial; the message says why, in plain words."""


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    kind: str  # landline | mobile
    country: str


def parse_phone(raw: str, allowed_countries: list[str] | tuple[str, ...] = ("BE",)) -> PhoneNumber:
    """Parse `raw` (national Belgian or international form) or raise NumberRefused."""
    raw = (raw or "").strip()
    if not raw:
        raise NumberRefused("no phone number")
    default_region = allowed_countries[0] if allowed_countries else "BE"
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise NumberRefused(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise NumberRefused(f"invalid phone number: {raw!r}")
    country = phonenumbers.region_code_for_number(parsed)
    if country not in allowed_countries:
        raise NumberRefused(f"{raw!r} is in {country}; allowed: {', '.join(allowed_countries)}")
    number_type = phonenumbers.number_type(parsed)
    if number_type in _REFUSED or number_type not in _TYPES:
        reason = _REFUSED.get(number_type, "number type not allowed")
        raise NumberRefused(f"{raw!r} is a {reason}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, kind=_TYPES[number_type], country=country)


def is_dialable(e164: str, allowed_countries: list[str] | tuple[str, ...]) -> bool:
    """The last check before a dial: the number is still of an allowed country and type."""
    try:
        return parse_phone(e164, allowed_countries).e164 == e164
    except NumberRefused:
        return False
