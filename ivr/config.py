"""Configuration, read from the environment (and `.env`) in this one place.

Every setting named in DESIGN.md lives here with its documented default, so the rest of
the code reads `current_app.config[...]` and never `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

# The sandbox's demo credentials (see sandbox/__init__.py); the app never imports the
# sandbox, so the pair is repeated here as the default carrier account.
DEMO_ACCOUNT_SID = "AC00000000000000000000000000000001"
DEMO_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
# The seed's numbers and zone, right for the sandbox and refused live (ivr.live): the
# caller ID is BE-Alert's own number, the others belong to a made-up zone.
DEMO_CALLER_ID = "+32477777755"
DEMO_RECORDING_LINE = "+3238080808"
DEMO_POLICE_ZONE = ("Politiezone Grens", "+3236202929")
DEMO_MAIL_FROM = "Buurtlijn <buurtlijn@demo.invalid>"

DEFAULT_VOICES = {
    "nl": ("Google.nl-BE-Standard-A", "nl-BE"),
    "fr": ("Google.fr-FR-Standard-A", "fr-FR"),
    "de": ("Google.de-DE-Standard-A", "de-DE"),
    "en": ("Google.en-GB-Standard-A", "en-GB"),
}

# RETENTION_<WHAT>_DAYS: what each covers is in domain.retention and README "Privacy".
RETENTION_DEFAULT_DAYS = {
    "RECORDINGS": 30,       # officers' recordings and processed audio (and who recorded)
    "CALL_DETAILS": 90,     # numbers, SIDs and errors of call attempts; who was reached
    "INBOUND_CALLS": 30,    # numbers of people who called the caller ID or the line
    "SIGN_IN_FAILURES": 30,  # failed PINs and sign-ins, lifted lockouts
    "LINKS": 0,             # personal links, counted from their expiry
    "APPLICATIONS": 30,     # declined or never confirmed applications, from the decision
    "MAILS": 90,            # addresses and subjects of mails sent
    "AUDIT": 730,           # the audit log itself
}


def _int(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from exc


def _decimal(env: dict[str, str], name: str, default: str) -> Decimal:
    value = env.get(name, "").strip() or default
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{name} must be a number such as 0.03, got {value!r}") from exc


def _list(env: dict[str, str], name: str, default: str) -> list[str]:
    return [item.strip().upper() for item in env.get(name, default).split(",") if item.strip()]


def instance_secret_key(instance_path: Path) -> str:
    """Generate SECRET_KEY once into the instance folder so it survives restarts.

    Only for one machine off the live carrier (`make run`): a second host has its own
    folder, so its own key, and rejects the audio URLs this one signs. create_app() calls
    this only when the app is not live and no SECRET_KEY was given."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def instance_database_url(instance_path: Path) -> str:
    """The default DATABASE_URL: SQLite in the instance folder (refused live)."""
    return f"sqlite:///{instance_path / 'buurtlijn.sqlite'}"


def from_environment(instance_path: Path, env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    voices = {
        lang: (
            env.get(f"SAY_VOICE_{lang.upper()}", voice),
            env.get(f"SAY_LANGUAGE_{lang.upper()}", language),
        )
        for lang, (voice, language) in DEFAULT_VOICES.items()
    }
    database_url = env.get("DATABASE_URL") or instance_database_url(instance_path)
    if database_url.startswith("postgres://"):  # the short form some hosts hand out
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", DEMO_ACCOUNT_SID),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", DEMO_AUTH_TOKEN),
        "TWILIO_API_URL": env.get("TWILIO_API_URL", "https://api.twilio.com").rstrip("/"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "CALLER_ID": env.get("CALLER_ID", DEMO_CALLER_ID),
        "RECORDING_LINE": env.get("RECORDING_LINE", DEMO_RECORDING_LINE),
        "POLICE_ZONE_NAME": env.get("POLICE_ZONE_NAME", DEMO_POLICE_ZONE[0]),
        "POLICE_ZONE_PHONE": env.get("POLICE_ZONE_PHONE", DEMO_POLICE_ZONE[1]),
        "CARRIER_CPS": _int(env, "CARRIER_CPS", 1),
        "CARRIER_MAX_CONCURRENT": _int(env, "CARRIER_MAX_CONCURRENT", 0),
        # Calls are spaced 1% wider than 1/CPS: a thread waking a little late from its wait
        # rarely meets the one-second gate (domain.broadcast.pacing), which keeps half of
        # it as its allowance for request latency. 0.99 of the limit; docs/headroom.md.
        "PACING_HEADROOM": float(env.get("PACING_HEADROOM", "0.01")),
        "RETRY_DELAY_S": _int(env, "RETRY_DELAY_S", 300),
        "MAX_ATTEMPTS": _int(env, "MAX_ATTEMPTS", 3),
        "RING_TIMEOUT_S": _int(env, "RING_TIMEOUT_S", 30),
        "CALL_TIME_LIMIT_S": _int(env, "CALL_TIME_LIMIT_S", 600),
        "DIAL_SLOTS": _int(env, "DIAL_SLOTS", 2),
        "DIAL_THREADS": _int(env, "DIAL_THREADS", 8),
        "RECONCILE_INTERVAL_S": _int(env, "RECONCILE_INTERVAL_S", 5),
        "RECONCILE_GRACE_S": _int(env, "RECONCILE_GRACE_S", 30),
        "CARRIER_TIMEOUT_S": _int(env, "CARRIER_TIMEOUT_S", 10),
        # An officer's recording fetched from the carrier: at most this big (120 s at the
        # carrier's 8 kHz 16-bit is 1.9 MB) and this long for the whole download.
        # A webhook is a few kB of form fields; anything bigger is refused unread (413).
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        # Redis answers in well under a millisecond; one that hangs must not hold a web
        # thread (ivr.redis_conn), so every call gives up after this long.
        "REDIS_SOCKET_TIMEOUT_S": float(env.get("REDIS_SOCKET_TIMEOUT_S", "0.5")),
        "REDIS_CONNECT_TIMEOUT_S": float(env.get("REDIS_CONNECT_TIMEOUT_S", "0.5")),
        "RECORDING_MAX_BYTES": _int(env, "RECORDING_MAX_BYTES", 8 * 1024 * 1024),
        "RECORDING_TIMEOUT_S": float(env.get("RECORDING_TIMEOUT_S", "20")),
        # How long the listen-back waits for the worker's processed audio before the
        # web process processes the recording itself.
        "RECORDING_AUDIO_WAIT_S": float(env.get("RECORDING_AUDIO_WAIT_S", "2")),
        "ALLOWED_COUNTRIES": _list(env, "ALLOWED_COUNTRIES", "BE"),
        "QUIET_HOURS": env.get("QUIET_HOURS", "21:00-08:00"),
        "TIMEZONE": env.get("TIMEZONE", "Europe/Brussels"),
        "SAY_VOICES": voices,
        "BEHIND_PROXY": _int(env, "BEHIND_PROXY", 0),
        # Logs (ivr.logs): "json" for one JSON object per line, anything else is text.
        "LOG_FORMAT": env.get("LOG_FORMAT", "text").strip().lower(),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").strip().upper(),
        # /metrics (ivr.metrics): with a token, `Authorization: Bearer <token>` from
        # anywhere; without one, loopback clients only.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # E-mail (domain.mail). The defaults reach the local catcher that `make run` starts
        # (sandbox.mailbox); MAIL_FROM's .invalid domain is refused live (ivr.live).
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(env, "MAIL_PORT", 8025),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "").strip().lower() in ("1", "true", "yes", "on"),
        "MAIL_FROM": env.get("MAIL_FROM", DEMO_MAIL_FROM),
        "MAIL_TIMEOUT_S": float(env.get("MAIL_TIMEOUT_S", "10")),
        "MAIL_MAX_ATTEMPTS": _int(env, "MAIL_MAX_ATTEMPTS", 8),
        # A temporary failure is retried after 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h.
        "MAIL_RETRY_BASE_S": float(env.get("MAIL_RETRY_BASE_S", "10")),
        # A mail claimed by a worker this long ago without an outcome: the worker died.
        "MAIL_STALE_S": _int(env, "MAIL_STALE_S", 300),
        # Retention (domain.retention, `flask --app ivr retention run`): personal details
        # older than this many days are erased; 0 keeps nothing past the next run.
        # Aggregates (how many were reached, what it cost) are kept. README "Privacy".
        **{f"RETENTION_{what}_DAYS": _int(env, f"RETENTION_{what}_DAYS", days)
           for what, days in RETENTION_DEFAULT_DAYS.items()},
        # How often the reconciler queues a retention run; 0: never (the command only).
        "RETENTION_INTERVAL_S": _int(env, "RETENTION_INTERVAL_S", 86400),
        # Costs (domain.costs). The estimate before sending: members x the share expected
        # to answer x the minutes billed x the tariff of each number type, in COST_UNIT.
        "COST_UNIT": env.get("COST_UNIT", "EUR"),
        "TARIFF_LANDLINE_PER_MIN": _decimal(env, "TARIFF_LANDLINE_PER_MIN", "0.03"),
        "TARIFF_MOBILE_PER_MIN": _decimal(env, "TARIFF_MOBILE_PER_MIN", "0.15"),
        "TARIFF_SMS_PER_SEGMENT": _decimal(env, "TARIFF_SMS_PER_SEGMENT", "0.08"),
        "ESTIMATE_ANSWER_RATE": float(env.get("ESTIMATE_ANSWER_RATE", "0.75")),
        # How long after a call ended its price is asked again while unknown, and how often.
        "PRICE_CHECK_DELAY_S": _int(env, "PRICE_CHECK_DELAY_S", 60),
        "PRICE_CHECK_MAX": _int(env, "PRICE_CHECK_MAX", 48),
        # None when unset: create_app() decides, once the config is final, whether a
        # generated instance key will do (not live) or the start is refused (live).
        "SECRET_KEY": env.get("SECRET_KEY") or None,
    }
