"""DELETE Recordings/{Sid}.json through the real twilio SDK, as Twilio answers it: 204, the
media gone, 404 for an unknown or already deleted recording; /sandbox/recordings tells."""

from __future__ import annotations

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from sandbox import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
from sandbox.audio import tone

CALLER_ID = "+32477777755"
BASE = f"/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}"


def test_delete_forgets_the_recording_and_lists_it(make_sandbox, sdk) -> None:
    sb = make_sandbox()
    client = sdk(sb)
    call = client.calls.create(to="+32470000001", from_=CALLER_ID, twiml="<Say>Hallo</Say>")
    kept, deleted = (sb.carrier.add_recording(sb.carrier.calls[call.sid], tone(2), 2.0)
                     for _ in range(2))
    media = sb.base_url + BASE + f"/Recordings/{deleted.sid}.wav"
    assert requests.get(media, auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN), timeout=5).ok

    assert client.recordings(deleted.sid).delete() is True

    assert requests.get(media, auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN),
                        timeout=5).status_code == 404
    with pytest.raises(TwilioRestException) as err:
        client.recordings(deleted.sid).fetch()
    assert err.value.status == 404
    with pytest.raises(TwilioRestException) as err:
        client.recordings(deleted.sid).delete()
    assert (err.value.status, err.value.code) == (404, 20404)
    assert [r.sid for r in client.calls(call.sid).recordings.list()] == [kept.sid]
    listed = requests.get(sb.base_url + "/sandbox/recordings", timeout=5).json()
    assert [r["sid"] for r in listed["recordings"]] == [kept.sid]
    assert [(r["sid"], r["call_sid"]) for r in listed["deleted"]] == [(deleted.sid, call.sid)]


def test_delete_needs_the_account_credentials(make_sandbox) -> None:
    sb = make_sandbox()
    url = sb.base_url + BASE + "/Recordings/RE" + "0" * 32 + ".json"
    assert requests.delete(url, auth=(DEMO_ACCOUNT_SID, "wrong"), timeout=5).status_code == 401
    assert requests.delete(url, timeout=5).status_code == 401
    unknown = requests.delete(url, auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN), timeout=5)
    assert unknown.status_code == 404 and unknown.json()["code"] == 20404
    sb.reset()
    assert requests.get(sb.base_url + "/sandbox/recordings", timeout=5).json() == {
        "recordings": [], "deleted": []}
