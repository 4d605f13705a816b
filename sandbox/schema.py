"""The facts of Twilio's Voice API that the sandbox imitates, in one compact place.

Parameter names, enums and JSON field lists live here (not scattered through handlers)
so that ``tests/sandbox/test_schema_matches_spec.py`` can cross-check them against
Twilio's OpenAPI file: if the sandbox drifts from the real API, that test says where.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

API_VERSION = "2010-04-01"
API_PREFIX = f"/{API_VERSION}/Accounts"

CALL_STATUSES: tuple[str, ...] = (
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled",
)
FINAL_STATUSES: frozenset[str] = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
UPDATE_STATUSES: tuple[str, ...] = ("canceled", "completed")
HTTP_METHODS: tuple[str, ...] = ("GET", "POST")
MACHINE_DETECTION: tuple[str, ...] = ("Enable", "DetectMessageEnd")
ASYNC_AMD: tuple[str, ...] = ("true", "false")
ANSWERED_BY: tuple[str, ...] = (
    "human", "machine_start", "machine_end_beep", "machine_end_silence",
    "machine_end_other", "fax", "unknown",
)
STATUS_CALLBACK_EVENTS: tuple[str, ...] = ("initiated", "ringing", "answered", "completed")
RECORDING_STATUS_EVENTS: tuple[str, ...] = ("in-progress", "completed", "absent")

# Parameter kinds: "str", "uri", "int", "bool", "list" (repeatable) or a tuple of enum values.
ParamSpec = Mapping[str, Any]

CREATE_CALL_PARAMS: ParamSpec = {
    "To": "str", "From": "str", "Url": "uri", "Twiml": "str", "ApplicationSid": "str",
    "Method": HTTP_METHODS, "FallbackUrl": "uri", "FallbackMethod": HTTP_METHODS,
    "StatusCallback": "uri", "StatusCallbackEvent": "list", "StatusCallbackMethod": HTTP_METHODS,
    "SendDigits": "str", "Timeout": "int", "Record": "bool", "RecordingChannels": "str",
    "RecordingStatusCallback": "str", "RecordingStatusCallbackMethod": HTTP_METHODS,
    "RecordingStatusCallbackEvent": "list", "RecordingTrack": "str", "Trim": "str",
    "SipAuthUsername": "str", "SipAuthPassword": "str",
    "MachineDetection": MACHINE_DETECTION, "MachineDetectionTimeout": "int",
    "MachineDetectionSpeechThreshold": "int", "MachineDetectionSpeechEndThreshold": "int",
    "MachineDetectionSilenceTimeout": "int", "AsyncAmd": ASYNC_AMD,
    "AsyncAmdStatusCallback": "uri", "AsyncAmdStatusCallbackMethod": HTTP_METHODS,
    "CallerId": "str", "Byoc": "str", "CallReason": "str", "CallToken": "str",
    "TimeLimit": "int", "ClientNotificationUrl": "uri",
}
CREATE_CALL_REQUIRED: tuple[str, ...] = ("To", "From")
# One of these is needed (the spec's x-twilio "conditional").
CREATE_CALL_ONE_OF: tuple[str, ...] = ("Url", "Twiml", "ApplicationSid")

UPDATE_CALL_PARAMS: ParamSpec = {
    "Url": "uri", "Method": HTTP_METHODS, "Status": UPDATE_STATUSES,
    "FallbackUrl": "uri", "FallbackMethod": HTTP_METHODS, "StatusCallback": "uri",
    "StatusCallbackMethod": HTTP_METHODS, "Twiml": "str", "TimeLimit": "int",
}

PAGING_PARAMS: tuple[str, ...] = ("PageSize", "Page", "PageToken")
LIST_CALL_PARAMS: tuple[str, ...] = (
    "To", "From", "ParentCallSid", "Status", "StartTime", "StartTime<", "StartTime>",
    "EndTime", "EndTime<", "EndTime>", *PAGING_PARAMS,
)
LIST_CALL_RECORDING_PARAMS: tuple[str, ...] = (
    "DateCreated", "DateCreated<", "DateCreated>", *PAGING_PARAMS,
)
LIST_INCOMING_NUMBER_PARAMS: tuple[str, ...] = (
    "Beta", "FriendlyName", "PhoneNumber", "Origin", *PAGING_PARAMS,
)
LIST_CALLER_ID_PARAMS: tuple[str, ...] = ("PhoneNumber", "FriendlyName", *PAGING_PARAMS)

PAGE_FIELDS: tuple[str, ...] = (
    "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri",
    "start", "uri",
)

CALL_FIELDS: tuple[str, ...] = (
    "sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to",
    "to_formatted", "from", "from_formatted", "phone_number_sid", "status", "start_time",
    "end_time", "duration", "price", "price_unit", "direction", "answered_by", "api_version",
    "forwarded_from", "group_sid", "caller_name", "queue_time", "trunk_sid", "uri",
    "subresource_uris",
)
RECORDING_FIELDS: tuple[str, ...] = (
    "account_sid", "api_version", "call_sid", "conference_sid", "date_created",
    "date_updated", "start_time", "duration", "sid", "price", "price_unit", "status",
    "channels", "source", "error_code", "uri", "encryption_details", "subresource_uris",
    "media_url",
)
CALL_RECORDING_FIELDS: tuple[str, ...] = (
    "account_sid", "api_version", "call_sid", "conference_sid", "date_created",
    "date_updated", "start_time", "duration", "sid", "price", "uri", "encryption_details",
    "price_unit", "status", "channels", "source", "error_code", "track",
)
INCOMING_NUMBER_FIELDS: tuple[str, ...] = (
    "account_sid", "address_sid", "address_requirements", "api_version", "beta",
    "capabilities", "date_created", "date_updated", "friendly_name", "identity_sid",
    "phone_number", "origin", "sid", "sms_application_sid", "sms_fallback_method",
    "sms_fallback_url", "sms_method", "sms_url", "status_callback", "status_callback_method",
    "trunk_sid", "uri", "voice_receive_mode", "voice_application_sid",
    "voice_caller_id_lookup", "voice_fallback_method", "voice_fallback_url", "voice_method",
    "voice_url", "emergency_status", "emergency_address_sid", "emergency_address_status",
    "bundle_sid", "status", "type",
)
CALLER_ID_FIELDS: tuple[str, ...] = (
    "sid", "date_created", "date_updated", "friendly_name", "account_sid", "phone_number",
    "uri",
)

# The Messages API (outbound SMS only).
MESSAGE_STATUSES: tuple[str, ...] = (
    "queued", "sending", "sent", "delivered", "undelivered", "failed",
)
CREATE_MESSAGE_PARAMS: ParamSpec = {
    "To": "str", "From": "str", "Body": "str", "StatusCallback": "uri",
}
LIST_MESSAGE_PARAMS: tuple[str, ...] = (
    "To", "From", "DateSent", "DateSent<", "DateSent>", *PAGING_PARAMS,
)
MESSAGE_BODY_MAX = 1600  # characters; longer bodies are refused with 21617
MESSAGE_FIELDS: tuple[str, ...] = (
    "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated",
    "direction", "error_code", "error_message", "from", "messaging_service_sid", "num_media",
    "num_segments", "price", "price_unit", "sid", "status", "subresource_uris", "to", "uri",
)


class ApiError(Exception):
    """A Twilio-style REST error: the SDK turns its JSON body into ``TwilioRestException``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def validate_form(
    form: Mapping[str, Sequence[str]], spec: ParamSpec, *, what: str
) -> dict[str, Any]:
    """Check a form (name -> list of values) against a spec and return typed values.

    Real Twilio silently ignores unknown parameters; the sandbox refuses them (400,
    code 20001) on purpose, because a misspelt parameter is a bug the app should see in
    tests rather than a behaviour that silently never happens.
    """
    out: dict[str, Any] = {}
    for name, values in form.items():
        kind = spec.get(name)
        if kind is None:
            raise ApiError(400, 20001, f"Unknown parameter '{name}' for {what}")
        if kind == "list":
            out[name] = list(values)
            continue
        value = values[-1] if values else ""
        if isinstance(kind, tuple):
            if value not in kind:
                raise ApiError(
                    400, 20001,
                    f"Invalid value '{value}' for parameter {name}; allowed: {', '.join(kind)}",
                )
            out[name] = value
        elif kind == "int":
            try:
                out[name] = int(value)
            except ValueError:
                raise ApiError(400, 20001, f"{name} must be an integer, not '{value}'") from None
        elif kind == "bool":
            if value.lower() not in ("true", "false"):
                raise ApiError(400, 20001, f"{name} must be true or false")
            out[name] = value.lower() == "true"
        elif kind == "uri":
            if not value.startswith(("http://", "https://")):
                raise ApiError(400, 21205, f"Url is not a valid URL: {value}")
            out[name] = value
        else:
            out[name] = value
    return out
