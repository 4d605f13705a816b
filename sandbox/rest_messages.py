"""The Messages API on ``/2010-04-01/Accounts/{Sid}/Messages``: send, list, fetch.

Auth, the account check and the error JSON are those of ``rest.py`` (its before-request
hook and error handler cover every path under the API prefix). Errors carry Twilio's
codes: 21604/21603 for a missing To/From, 21211 for an invalid To, 21602 for a missing
Body, 21617 for a body over 1600 characters, 21606 for a From that is not a number of
the account.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from .carrier import Carrier
from .messages import Message, message_json
from .rest import E164, _page, _query, _time_filter
from .schema import (
    API_PREFIX,
    CREATE_MESSAGE_PARAMS,
    LIST_MESSAGE_PARAMS,
    MESSAGE_BODY_MAX,
    ApiError,
    validate_form,
)


def register(app: Flask, carrier: Carrier) -> None:
    acct = API_PREFIX + "/<account>"
    box = carrier.messenger

    @app.post(acct + "/Messages.json")
    def create_message(account: str) -> tuple[Response, int]:
        params = validate_form(request.form.to_dict(flat=False), CREATE_MESSAGE_PARAMS,
                               what="Messages")
        to, from_, body = params.get("To"), params.get("From"), params.get("Body")
        if not to:
            raise ApiError(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to):
            raise ApiError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not from_:
            raise ApiError(400, 21603, "A 'From' phone number is required.")
        if not body:
            raise ApiError(400, 21602, "Message body is required.")
        if len(body) > MESSAGE_BODY_MAX:
            raise ApiError(400, 21617, "The concatenated message body exceeds the 1600 "
                                       "character limit.")
        if not carrier.may_call_from(from_):
            raise ApiError(400, 21606, (
                f"The From phone number {from_} is not a valid, SMS-capable inbound phone "
                "number or short code for your account."))
        msg = box.create(to, from_, body, params.get("StatusCallback"))
        return jsonify(message_json(msg)), 201

    @app.get(acct + "/Messages.json")
    def list_messages(account: str) -> Response:
        args = _query(LIST_MESSAGE_PARAMS, "Messages")
        out: list[Message] = [m for m in reversed(box.all())
                              if args.get("To", m.to) == m.to
                              and args.get("From", m.from_) == m.from_
                              and _time_filter(args, "DateSent", m.sent)]
        return jsonify(_page(out, "messages", args, message_json))

    @app.get(acct + "/Messages/<sid>.json")
    def fetch_message(account: str, sid: str) -> Response:
        msg = box.find(sid)
        if msg is None:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return jsonify(message_json(msg))
