"""The engine's Prometheus metrics, named once; `ivr.metrics` serves them at /metrics.

Counters and the webhook histogram are plain prometheus-client objects. In production
every web and worker process of a host shares one `PROMETHEUS_MULTIPROC_DIR` (set in the
environment before the process starts: prometheus-client reads it when it is imported),
and /metrics adds up the files of every process there, dead ones included, so a worker
that restarts does not reset a counter. Without that directory each process counts for
itself (`make run`). Gauges read at scrape time (queue depths, pacing) live in
`ivr.metrics`, not here: a gauge written by many processes has no honest sum.

E-mails and SMS are counted by the messaging code when it sends (`EMAILS_SENT`,
`SMS_SENT`); until that code exists they stay at zero.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CALLS_CREATED = Counter(
    "buurtlijn_calls_created", "Member calls the carrier accepted (create-call requests).")
CALL_OUTCOMES = Counter(
    "buurtlijn_call_outcomes", "Deliveries closed, by outcome (human, machine, busy, "
    "no-answer, failed, cancelled).", ["outcome"])
CARRIER_ERRORS = Counter(
    "buurtlijn_carrier_errors", "Create-call requests the carrier answered with 429 or 5xx, "
    "or that timed out.", ["kind"])
WEBHOOK_SECONDS = Histogram(
    "buurtlijn_webhook_duration_seconds", "Time to answer a carrier webhook, by endpoint.",
    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
RECONCILER_REPAIRS = Counter(
    "buurtlijn_reconciler_repairs", "Repairs made by the reconciler, by pass.", ["repair"])
EMAILS_SENT = Counter("buurtlijn_emails_sent", "E-mails handed to the mail server.")
SMS_SENT = Counter("buurtlijn_sms_sent", "SMS messages the carrier accepted.")


def carrier_error_kind(status: int | None) -> str:
    """The label of a carrier error: "429", "5xx" or "timeout" (no status)."""
    if status is None:
        return "timeout"
    return "429" if status == 429 else "5xx"
