"""Every voice webhook checks X-Twilio-Signature against PUBLIC_BASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from domain.db import db
from domain.models import InboundCall
from tests.support import sign

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "README.md"

# Twilio's own published vector (twilio-python tests/unit/test_request_validator.py),
# also quoted in ../shared/reference/README.md.
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_published_test_vector():
    assert sign("12345", VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE
    assert RequestValidator("12345").validate(VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference not present")
def test_vector_matches_the_shared_reference():
    assert VECTOR_SIGNATURE in REFERENCE.read_text()


def _call(to: str, sid: str = "CA0001") -> dict:
    return {"CallSid": sid, "From": "+32470999999", "To": to, "CallStatus": "ringing",
            "AccountSid": "AC00000000000000000000000000000001", "Direction": "inbound"}


def _inbound_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundCall))


def test_signed_request_is_answered(app, signed_post):
    response = signed_post("/voice/incoming", _call(app.config["CALLER_ID"]))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert _inbound_count() == 1


def test_unsigned_request_gets_403_and_stores_nothing(app, client):
    response = client.post("/voice/incoming", data=_call(app.config["CALLER_ID"]))
    assert response.status_code == 403
    assert _inbound_count() == 0


def test_forged_signature_gets_403(app, client):
    params = _call(app.config["CALLER_ID"])
    url = app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
    forged = sign("not-the-auth-token", url, params)
    response = client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    assert _inbound_count() == 0


def test_signature_for_another_url_gets_403(app, client):
    params = _call(app.config["CALLER_ID"])
    token = app.config["TWILIO_AUTH_TOKEN"]
    for url in ("http://evil.example/voice/incoming",
                app.config["PUBLIC_BASE_URL"] + "/voice/other",
                app.config["PUBLIC_BASE_URL"] + "/voice/incoming?x=1"):
        response = client.post("/voice/incoming", data=params,
                               headers={"X-Twilio-Signature": sign(token, url, params)})
        assert response.status_code == 403, url
    assert _inbound_count() == 0


def test_tampered_parameters_get_403(app, client):
    params = _call(app.config["CALLER_ID"])
    url = app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
    signature = sign(app.config["TWILIO_AUTH_TOKEN"], url, params)
    tampered = dict(params, To=app.config["RECORDING_LINE"])
    response = client.post("/voice/incoming", data=tampered,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_host_header_does_not_change_the_signed_url(app, client):
    """Signed for the request's own Host (not PUBLIC_BASE_URL): refused."""
    params = _call(app.config["CALLER_ID"])
    signature = sign(app.config["TWILIO_AUTH_TOKEN"], "http://attacker.test/voice/incoming",
                     params)
    response = client.post("/voice/incoming", data=params, base_url="http://attacker.test",
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert json.dumps(params)  # params are plain strings: what a carrier sends
