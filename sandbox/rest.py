"""Twilio's REST API for calls, recordings and numbers, on ``/2010-04-01/Accounts/...``.

Status codes, error codes and JSON shapes follow Twilio so the real ``twilio`` SDK works
unchanged; the only difference is that unknown parameters and bad enum values are
refused (see ``schema.validate_form``). Fault knobs for create requests (429, 500,
timeout-after-create) live here because they are about the HTTP exchange, not the call.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request

from .carrier import Carrier
from .model import Call
from .resources import (
    call_json,
    call_recording_json,
    caller_id_json,
    incoming_number_json,
    recording_json,
)
from .schema import (
    API_PREFIX,
    CALL_STATUSES,
    CREATE_CALL_ONE_OF,
    CREATE_CALL_PARAMS,
    LIST_CALL_PARAMS,
    LIST_CALL_RECORDING_PARAMS,
    LIST_CALLER_ID_PARAMS,
    LIST_INCOMING_NUMBER_PARAMS,
    STATUS_CALLBACK_EVENTS,
    UPDATE_CALL_PARAMS,
    ApiError,
    validate_form,
)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _query(allowed: Iterable[str], what: str) -> dict[str, str]:
    args = request.args.to_dict(flat=True)
    unknown = set(args) - set(allowed)
    if unknown:
        raise ApiError(400, 20001, f"Unknown parameter(s) {sorted(unknown)} for {what}")
    return args


def _parse_when(value: str) -> tuple[datetime, bool]:
    """(instant, date_only): Twilio documents YYYY-MM-DD; the SDK sends full datetimes."""
    try:
        if len(value) == 10:
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC), False
    except ValueError:
        raise ApiError(400, 20001, f"Invalid date '{value}'") from None


def _time_filter(args: dict[str, str], name: str, ts: float | None) -> bool:
    """Apply ``name``, ``name<`` and ``name>`` (on / before / on-or-after) to ``ts``."""
    if ts is None:
        return not any(k in args for k in (name, name + "<", name + ">"))
    when = datetime.fromtimestamp(ts, UTC)
    for suffix in ("", "<", ">"):
        raw = args.get(name + suffix)
        if raw is None:
            continue
        ref, date_only = _parse_when(raw)
        date_only = date_only or suffix == ""  # "on" a day, whatever the time part says
        left: Any = when.date() if date_only else when
        right: Any = ref.date() if date_only else ref
        ok = {"": left == right, "<": left <= right, ">": left >= right}[suffix]
        if not ok:
            return False
    return True


def _page(items: list[Any], key: str, args: dict[str, str],
          render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Twilio's paging envelope (Page/PageSize/PageToken and the *_page_uri fields)."""
    try:
        size = int(args.get("PageSize", 50))
        page = int(args.get("Page", 0))
    except ValueError:
        raise ApiError(400, 20001, "PageSize and Page must be integers") from None
    if not 1 <= size <= 1000 or page < 0:
        raise ApiError(400, 20001, "PageSize must be 1..1000 and Page >= 0")
    filters = {k: v for k, v in args.items() if k not in ("PageSize", "Page", "PageToken")}
    chunk = items[page * size:(page + 1) * size]

    def uri(p: int) -> str:
        extra = {"PageToken": f"PA{p * size}"} if p else {}
        return request.path + "?" + urlencode({**filters, "PageSize": size, "Page": p, **extra})

    has_next = (page + 1) * size < len(items)
    return {
        key: [render(i) for i in chunk], "end": page * size + max(len(chunk) - 1, 0),
        "first_page_uri": uri(0), "next_page_uri": uri(page + 1) if has_next else None,
        "page": page, "page_size": size, "previous_page_uri": uri(page - 1) if page else None,
        "start": page * size, "uri": uri(page),
    }


def register(app: Flask, carrier: Carrier, faults_sleep: Callable[[float], None] = time.sleep
             ) -> None:
    acct = API_PREFIX + "/<account>"

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> Response:
        resp = jsonify(err.body())
        resp.status_code = err.status
        if err.status == 401:
            resp.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return resp

    @app.before_request
    def _auth() -> None:
        if not request.path.startswith(API_PREFIX):
            return
        auth = request.authorization
        if not auth or auth.username != carrier.account_sid or \
                auth.password != carrier.auth_token:
            raise ApiError(401, 20003, "Authenticate")
        parts = request.path[len(API_PREFIX):].split("/")
        if len(parts) < 2 or parts[1].removesuffix(".json") != carrier.account_sid:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")

    def find_call(sid: str) -> Call:
        call = carrier.calls.get(sid)
        if call is None:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return call

    @app.post(acct + "/Calls.json")
    def create_call(account: str) -> tuple[Response, int]:
        params = validate_form(request.form.to_dict(flat=False), CREATE_CALL_PARAMS,
                               what="Calls")
        if not params.get("To"):
            raise ApiError(400, 21201, "No 'To' number is specified")
        if not params.get("From"):
            raise ApiError(400, 21213, "No 'From' number is specified")
        if not E164.match(params["To"]):
            raise ApiError(400, 21211, f"Invalid 'To' Phone Number: {params['To']}")
        if not any(params.get(k) for k in CREATE_CALL_ONE_OF):
            raise ApiError(400, 21205, "Url parameter is required.")
        if params.get("ApplicationSid") and not (params.get("Url") or params.get("Twiml")):
            raise ApiError(400, 21218, "ApplicationSid is not supported by the sandbox")
        for value in params.get("StatusCallbackEvent", []):
            for event in value.split():
                if event not in STATUS_CALLBACK_EVENTS:
                    raise ApiError(400, 20001, f"Invalid StatusCallbackEvent '{event}'")
        if not carrier.may_call_from(params["From"]):
            raise ApiError(400, 21210, (
                f"The source phone number provided, {params['From']}, is not yet verified for "
                "your account. You may only make calls from phone numbers that you've verified "
                "or purchased from Twilio."))
        f, fired = carrier.faults, carrier.fired
        if carrier.dice.chance(f.rest_429_rate):
            fired.hit("rest_429")
            raise ApiError(429, 20429, "Too Many Requests")
        if carrier.dice.chance(f.rest_500_rate):
            fired.hit("rest_500")
            raise ApiError(500, 20500, "Internal Server Error")
        if carrier.dice.chance(f.rest_slow_rate):
            # A request stuck on its way in: a client that gave up and looked at the call
            # list finds nothing, yet the call appears once the request gets through.
            fired.hit("rest_slow")
            faults_sleep(f.slow_delay_s)
        call = carrier.create_call(params)
        if carrier.dice.chance(f.rest_timeout_rate):
            fired.hit("rest_timeout")
            call.transcript.event("fault", fault="rest_timeout", delay_s=f.timeout_delay_s)
            faults_sleep(f.timeout_delay_s)
        return jsonify(call_json(call)), 201

    @app.get(acct + "/Calls.json")
    def list_calls(account: str) -> Response:
        args = _query(LIST_CALL_PARAMS, "Calls")
        if args.get("Status") and args["Status"] not in CALL_STATUSES:
            raise ApiError(400, 20001, f"Invalid value '{args['Status']}' for parameter Status")
        with carrier.lock:
            calls = list(carrier.calls.values())
        out = [c for c in reversed(calls)
               if args.get("To", c.to) == c.to and args.get("From", c.from_) == c.from_
               and args.get("Status", c.status) == c.status
               and "ParentCallSid" not in args
               and _time_filter(args, "StartTime", c.start or c.created)
               and _time_filter(args, "EndTime", c.end)]
        return jsonify(_page(out, "calls", args, call_json))

    @app.get(acct + "/Calls/<sid>.json")
    def fetch_call(account: str, sid: str) -> Response:
        return jsonify(call_json(find_call(sid)))

    @app.post(acct + "/Calls/<sid>.json")
    def update_call(account: str, sid: str) -> Response:
        call = find_call(sid)
        params = validate_form(request.form.to_dict(flat=False), UPDATE_CALL_PARAMS,
                               what="Call update")
        carrier.update_call(call, params)
        return jsonify(call_json(call))

    @app.delete(acct + "/Calls/<sid>.json")
    def delete_call(account: str, sid: str) -> tuple[str, int]:
        call = find_call(sid)
        if not call.final:
            raise ApiError(400, 20009, "Cannot delete a call that has not ended")
        with carrier.lock:
            carrier.calls.pop(sid, None)
        return "", 204

    @app.get(acct + "/Calls/<sid>/Recordings.json")
    def list_call_recordings(account: str, sid: str) -> Response:
        args = _query(LIST_CALL_RECORDING_PARAMS, "Recordings")
        call = find_call(sid)
        recs = [carrier.recordings[r] for r in call.recordings if r in carrier.recordings]
        return jsonify(_page(recs, "recordings", args, call_recording_json))

    @app.get(acct + "/Recordings/<name>")
    def recording(account: str, name: str) -> Response:
        sid, _, ext = name.partition(".")
        rec = carrier.recordings.get(sid)
        if rec is None or ext not in ("", "json", "wav"):
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        if ext == "json":
            return jsonify(recording_json(rec, carrier.base_url))
        return Response(rec.audio, mimetype="audio/wav")

    @app.delete(acct + "/Recordings/<name>")
    def delete_recording(account: str, name: str) -> tuple[str, int]:
        """Twilio's DELETE Recordings/{Sid}.json: 204, or 404 for an unknown (or already
        deleted) recording; the media is gone from then on."""
        sid, _, ext = name.partition(".")
        if ext not in ("", "json") or not carrier.delete_recording(sid):
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return "", 204

    @app.get(acct + "/IncomingPhoneNumbers.json")
    def incoming_numbers(account: str) -> Response:
        args = _query(LIST_INCOMING_NUMBER_PARAMS, "IncomingPhoneNumbers")
        nums = [n for n in carrier.numbers.values() if not n.verified_only
                and args.get("PhoneNumber", n.phone_number) == n.phone_number]
        return jsonify(_page(nums, "incoming_phone_numbers", args,
                             lambda n: incoming_number_json(n, carrier.account_sid)))

    @app.get(acct + "/OutgoingCallerIds.json")
    def caller_ids(account: str) -> Response:
        args = _query(LIST_CALLER_ID_PARAMS, "OutgoingCallerIds")
        nums = [n for n in carrier.numbers.values() if n.verified_only
                and args.get("PhoneNumber", n.phone_number) == n.phone_number]
        return jsonify(_page(nums, "outgoing_caller_ids", args,
                             lambda n: caller_id_json(n, carrier.account_sid)))
