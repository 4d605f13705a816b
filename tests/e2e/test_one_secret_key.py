"""One SECRET_KEY for every host: a message's audio URL signed by one web host plays when the
carrier fetches it from another, and after a restart (issue 10, item 2).

Each host is gunicorn in its own checkout, so its own instance folder; they share the
database and Redis, as production hosts do, and run with live settings (api.twilio.com is
never contacted: a callback replay needs no carrier request).
"""

from __future__ import annotations

import pytest
import requests

from domain.db import db
from tests.factories import make_bin, make_member, make_message
from tests.support import sign, spoken
from tests.web_hosts import LIVE_ENV, Gunicorn, HostTree, bare_environment

MEMBER = "+32470555777"


@pytest.fixture
def hosts(app, base_config, tmp_path):
    """Start gunicorn hosts with `hosts(name, **settings)`; all are stopped afterwards."""
    started: list[Gunicorn] = []

    def start(name: str, **settings: str) -> Gunicorn:
        env = bare_environment(**dict(LIVE_ENV, **settings),
                               DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"],
                               REDIS_URL=base_config["REDIS_URL"])
        web = Gunicorn(HostTree(tmp_path / name), env, tmp_path / f"{name}.log")
        started.append(web)
        return web.start()

    yield start
    for web in started:
        web.stop()


def _replay_url(web: Gunicorn, message_id: int, token: str) -> str:
    """What the carrier is told to <Play> when the member presses 1 on the callback line."""
    path = f"/voice/callback/replay?message={message_id}"
    params = {"CallSid": "CA77", "From": MEMBER, "To": LIVE_ENV["CALLER_ID"], "Digits": "1"}
    signature = sign(token, LIVE_ENV["PUBLIC_BASE_URL"] + path, params)
    answer = requests.post(web.url + path, data=params, timeout=10,
                           headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    plays = [s for s in spoken(answer.content) if s.startswith("<play ")]
    assert plays, spoken(answer.content)
    return plays[0].removeprefix("<play ").removesuffix(">")


def _fetch(web: Gunicorn, url: str) -> requests.Response:
    """The carrier's GET of a <Play> URL, sent to `web` instead of the public address."""
    assert url.startswith(LIVE_ENV["PUBLIC_BASE_URL"] + "/audio/messages/")
    return requests.get(web.url + url.removeprefix(LIVE_ENV["PUBLIC_BASE_URL"]), timeout=10)


def _message():
    centrum = make_bin(db)
    make_member(db, bins=[centrum], phone=MEMBER)
    return make_message(db, bins=[centrum], status="completed")


def test_audio_signed_on_one_host_plays_from_another_and_after_a_restart(hosts):
    message = _message()
    a, b = hosts("host-a"), hosts("host-b")
    assert a.tree.instance != b.tree.instance
    url = _replay_url(a, message.id, LIVE_ENV["TWILIO_AUTH_TOKEN"])

    for web in (b, a):
        fetched = _fetch(web, url)
        assert fetched.status_code == 200
        assert fetched.content == message.audio_wav
    b.stop()
    b.start()
    assert _fetch(b, url).content == message.audio_wav
    # Live, nothing was generated into either instance folder: the key is SECRET_KEY alone.
    assert not any(t.instance.joinpath("secret_key").exists() for t in (a.tree, b.tree))

    other = hosts("host-c", SECRET_KEY="another-live-secret-key-of-forty-chars-1")
    assert _fetch(other, url).status_code == 404  # the URL is bound to the key, nothing else


def test_a_generated_key_survives_a_restart_off_the_live_carrier(hosts):
    """`make run` (not live, no SECRET_KEY): the instance folder keeps one key."""
    message = _message()
    sandbox_like = {"TWILIO_API_URL": "http://127.0.0.1:9", "SECRET_KEY": "",
                    "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}
    web = hosts("one-host", **sandbox_like)
    path = f"/voice/callback/replay?message={message.id}"
    params = {"CallSid": "CA78", "From": MEMBER, "To": LIVE_ENV["CALLER_ID"], "Digits": "1"}

    def played() -> requests.Response:
        signature = sign(LIVE_ENV["TWILIO_AUTH_TOKEN"], sandbox_like["PUBLIC_BASE_URL"] + path,
                         params)
        answer = requests.post(web.url + path, data=params, timeout=10,
                               headers={"X-Twilio-Signature": signature})
        url = next(s for s in spoken(answer.content) if s.startswith("<play "))
        return url.removeprefix("<play ").removesuffix(">")

    url = played()
    assert web.tree.instance.joinpath("secret_key").exists()
    web.stop()
    web.start()
    fetched = requests.get(web.url + url.removeprefix(sandbox_like["PUBLIC_BASE_URL"]),
                           timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == message.audio_wav
