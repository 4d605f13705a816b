"""JSON shapes of the REST resources, field for field as Twilio returns them.

The field lists come from ``schema.py``; every rendered dict is checked to carry exactly
those keys, so the resource shapes cannot silently drift from the spec.
"""

from __future__ import annotations

from typing import Any

from .callbacks import rfc2822
from .model import Call, Number, Recording
from .schema import (
    API_PREFIX,
    API_VERSION,
    CALL_FIELDS,
    CALL_RECORDING_FIELDS,
    CALLER_ID_FIELDS,
    INCOMING_NUMBER_FIELDS,
    RECORDING_FIELDS,
)


def _exact(d: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    assert set(d) == set(names), set(d) ^ set(names)
    return d


def call_json(call: Call) -> dict[str, Any]:
    base = f"{API_PREFIX}/{call.account_sid}/Calls/{call.sid}"
    answered = call.params.get("MachineDetection") or call.direction == "inbound"
    return _exact({
        "sid": call.sid, "date_created": rfc2822(call.created),
        "date_updated": rfc2822(call.updated), "parent_call_sid": None,
        "account_sid": call.account_sid, "to": call.to, "to_formatted": call.to,
        "from": call.from_, "from_formatted": call.from_, "phone_number_sid": None,
        "status": call.status, "start_time": rfc2822(call.start),
        "end_time": rfc2822(call.end),
        "duration": str(call.duration_s()) if call.final else None,
        "price": call.reported_price(), "price_unit": call.price_unit,
        "direction": call.direction,
        "answered_by": call.answered_by if answered else None, "api_version": API_VERSION,
        "forwarded_from": None, "group_sid": None, "caller_name": None,
        "queue_time": str(call.queue_time_ms), "trunk_sid": None, "uri": base + ".json",
        "subresource_uris": {
            "recordings": base + "/Recordings.json", "notifications": base + "/Notifications.json",
            "events": base + "/Events.json", "payments": base + "/Payments.json",
            "siprec": base + "/Siprec.json", "streams": base + "/Streams.json",
            "transcriptions": base + "/Transcriptions.json",
            "user_defined_message_subscriptions": base + "/UserDefinedMessageSubscriptions.json",
            "user_defined_messages": base + "/UserDefinedMessages.json",
        },
    }, CALL_FIELDS)


def _recording_common(rec: Recording) -> dict[str, Any]:
    return {
        "account_sid": rec.account_sid, "api_version": API_VERSION, "call_sid": rec.call_sid,
        "conference_sid": None, "date_created": rfc2822(rec.created),
        "date_updated": rfc2822(rec.created), "start_time": rfc2822(rec.created),
        "duration": str(round(rec.duration_s)), "sid": rec.sid, "price": None,
        "price_unit": "USD", "status": "completed", "channels": 1, "source": rec.source,
        "error_code": None, "encryption_details": None,
    }


def recording_json(rec: Recording, base_url: str) -> dict[str, Any]:
    uri = f"{API_PREFIX}/{rec.account_sid}/Recordings/{rec.sid}"
    return _exact({
        **_recording_common(rec), "uri": uri + ".json",
        "subresource_uris": {"transcriptions": uri + "/Transcriptions.json",
                             "add_on_results": uri + "/AddOnResults.json"},
        "media_url": base_url + uri,
    }, RECORDING_FIELDS)


def call_recording_json(rec: Recording) -> dict[str, Any]:
    uri = f"{API_PREFIX}/{rec.account_sid}/Calls/{rec.call_sid}/Recordings/{rec.sid}.json"
    return _exact({**_recording_common(rec), "uri": uri, "track": "both"},
                  CALL_RECORDING_FIELDS)


def incoming_number_json(num: Number, account_sid: str) -> dict[str, Any]:
    d = dict.fromkeys(INCOMING_NUMBER_FIELDS)
    d.update({
        "account_sid": account_sid, "address_requirements": "none", "api_version": API_VERSION,
        "beta": False, "capabilities": {"voice": True, "sms": False, "mms": False, "fax": False},
        "date_created": rfc2822(num.created), "date_updated": rfc2822(num.created),
        "friendly_name": num.phone_number, "phone_number": num.phone_number,
        "origin": "twilio", "sid": num.sid, "sms_method": "POST", "sms_fallback_method": "POST",
        "status_callback": num.status_callback or "", "status_callback_method": "POST",
        "uri": f"{API_PREFIX}/{account_sid}/IncomingPhoneNumbers/{num.sid}.json",
        "voice_receive_mode": "voice", "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST", "voice_method": num.voice_method,
        "voice_url": num.voice_url or "", "emergency_status": "Inactive",
        "emergency_address_status": "unregistered", "status": "in-use", "type": "local",
    })
    return _exact(d, INCOMING_NUMBER_FIELDS)


def caller_id_json(num: Number, account_sid: str) -> dict[str, Any]:
    return _exact({
        "sid": num.sid, "date_created": rfc2822(num.created),
        "date_updated": rfc2822(num.created), "friendly_name": num.phone_number,
        "account_sid": account_sid, "phone_number": num.phone_number,
        "uri": f"{API_PREFIX}/{account_sid}/OutgoingCallerIds/{num.sid}.json",
    }, CALLER_ID_FIELDS)
