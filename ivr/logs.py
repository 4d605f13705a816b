"""Structured logs: one line per webhook and per job, never a phone number or secret.

`init_app()` configures the root logger once per process: JSON lines when
`LOG_FORMAT=json` (for a log shipper), otherwise readable text, both through the same
`Redactor`, which masks every phone number (E.164 or Belgian national form), the values
of the configured secrets (auth token, SECRET_KEY, METRICS_TOKEN) and URL signatures,
whatever logger wrote the line (ours, werkzeug's access log, RQ's, the SDK's). PINs are
never logged: no view logs form fields, and the recording line's keys are only compared.

Every carrier webhook gets one line after it is answered: endpoint, HTTP status,
duration, call SID, and the attempt, delivery and message it concerned when known; the
same timing feeds the webhook latency histogram (domain.metrics).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from domain.metrics import WEBHOOK_SECONDS
from domain.models import CallAttempt, Delivery, run_alone

log = logging.getLogger("buurtlijn.webhook")

# +32470123456, +32 470 12 34 56, 0470123456, 0470 12 34 56, 03/620.29.29 ...
PHONE = re.compile(r"(?<![\w+])(?:\+|00)\d[\d ./-]{6,17}\d(?!\w)"
                   r"|(?<![\w/.])0\d(?:[ ./-]?\d){7,8}(?!\w)")
SIGNED_QUERY = re.compile(r"((?:sig|signature|token|key)=)[^&\s\"']+", re.IGNORECASE)
# Personal links carry their token in the path (issue 13: /join/confirm/<t>, /me/<t>/...).
PATH_TOKEN = re.compile(r"(/(?:join/confirm|me)/)[A-Za-z0-9_-]{16,}")
SECRET_SETTINGS = ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "METRICS_TOKEN")
# The LogRecord's own attributes; anything else on a record came in `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class Redactor(logging.Filter):
    """Masks phone numbers, secrets and URL signatures in a record's text and extras."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        text = SIGNED_QUERY.sub(r"\1[redacted]", text)
        text = PATH_TOKEN.sub(r"\1[redacted]", text)
        return PHONE.sub(_masked_number, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info:  # a traceback may quote a number or a URL: render and mask it
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in _extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self.mask(value))
        return True


def _masked_number(match: re.Match) -> str:
    """Keep the country code (or the leading 0) only: enough to tell numbers' kind apart."""
    digits = re.sub(r"\D", "", match.group())
    if match.group().startswith("+"):
        return "+" + digits[:2] + "…"
    return digits[:1] + "…"


def _extras(record: logging.LogRecord) -> dict:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, msg, and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        line = {"ts": at.isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        line.update({k: v for k, v in _extras(record).items() if v is not None})
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger: msg key=value ...` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items() if v is not None)
        return f"{line} {fields}" if fields else line


def configure_logging(json_lines: bool, level: str, secrets: tuple[str, ...],
                      stream: TextIO | None = None) -> logging.Handler:
    """Replace the root logger's handler with ours (a second call replaces the first)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("buurtlijn")
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "buurtlijn"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # logs request bodies
    return handler


def init_app(app: Flask) -> None:
    """Logging for this process, and the one line (and histogram sample) per webhook."""
    config = app.config
    configure_logging(config["LOG_FORMAT"] == "json", config["LOG_LEVEL"],
                      tuple(str(config.get(name) or "") for name in SECRET_SETTINGS))
    app.before_request(_start_clock)
    app.after_request(_webhook_line)


def _start_clock() -> None:
    g.webhook_started = time.perf_counter()


def _webhook_line(response: Response) -> Response:
    if not request.path.startswith("/voice/") or "webhook_started" not in g:
        return response
    seconds = time.perf_counter() - g.webhook_started
    endpoint = request.endpoint or "unknown"
    WEBHOOK_SECONDS.labels(endpoint).observe(seconds)
    attempt_id = request.args.get("attempt", type=int)
    # The form only of a request that passed the signature check (which read it): a body
    # refused unread (413, 415, ivr.signature) must stay unread here too.
    call_sid = request.form.get("CallSid") if response.status_code < 400 else None
    fields = {"endpoint": endpoint, "status": response.status_code,
              "duration_ms": round(seconds * 1000, 1), "call_sid": call_sid,
              "attempt_id": attempt_id, **g.get("log_fields", {})}
    if attempt_id and "delivery_id" not in fields:
        fields.update(_attempt_context(attempt_id))
    log.info("webhook %s", endpoint, extra=fields)
    return response


@functools.cache
def _attempt_query() -> Select:
    return (select(CallAttempt.delivery_id, Delivery.message_id)
            .join(Delivery, Delivery.id == CallAttempt.delivery_id)
            .where(CallAttempt.id == bindparam("p_id")))


def _attempt_context(attempt_id: int) -> dict:
    """The delivery and message of an attempt, for its webhook's line (one indexed read)."""
    try:
        row = run_alone(_attempt_query(), {"p_id": attempt_id})
    except SQLAlchemyError:
        current_app.logger.debug("no context for attempt %s", attempt_id)
        return {}
    return {"delivery_id": row.delivery_id, "message_id": row.message_id} if row else {}
