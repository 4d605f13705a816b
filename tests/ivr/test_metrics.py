"""/metrics: Prometheus text, only for Prometheus, and the counters follow a broadcast."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from domain.broadcast.start import message_confirmed
from tests.e2e.broadcast_support import members_with_message, outbound_calls, settled

ELSEWHERE = {"REMOTE_ADDR": "192.0.2.7"}


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def moved(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_loopback_only_without_a_token(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 403


def test_a_token_is_required_from_anywhere_once_set(app, client):
    app.config["METRICS_TOKEN"] = "a-metrics-token-for-tests"
    assert client.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", headers=wrong, environ_base=ELSEWHERE).status_code == 401
    right = {"Authorization": "Bearer a-metrics-token-for-tests"}
    assert client.get("/metrics", headers=right, environ_base=ELSEWHERE).status_code == 200


def test_every_metric_is_buurtlijns_own(client):
    names = {name for name, _labels in scrape(client)}
    assert names and all(name.startswith("buurtlijn_") for name in names), names
    for gauge in ("buurtlijn_pacing_limit_cps", "buurtlijn_pacing_calls_last_second",
                  "buurtlijn_calls_in_flight", "buurtlijn_queue_depth"):
        assert gauge in names


def test_counters_move_during_a_sandbox_broadcast(app, client, sandbox, workers):
    """Counted in the worker process, served by this one: multiprocess mode."""
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 1, "digits": "1"},
                          "numbers": {"+32470300002": {"answer": "busy"}}})
    sandbox.set_faults(rest_429_rate=0.3)
    app.config["MAX_ATTEMPTS"] = 1
    members, message = members_with_message(6, first=300000)
    before = scrape(client)
    workers.start(1)
    message_confirmed(message.id)
    assert settled(message.id, workers=workers).status == "completed"
    sandbox.wait_idle(10)
    after = scrape(client)
    created = len(outbound_calls(sandbox))
    assert created == 6
    assert moved(before, after, "buurtlijn_calls_created_total") == created
    assert moved(before, after, "buurtlijn_call_outcomes_total", outcome="human") == 5
    assert moved(before, after, "buurtlijn_call_outcomes_total", outcome="busy") == 1
    fired_429 = sandbox.fired().get("rest_429", 0)
    assert fired_429 > 0
    assert moved(before, after, "buurtlijn_carrier_errors_total", kind="429") == fired_429
    answers = moved(before, after, "buurtlijn_webhook_duration_seconds_count",
                    endpoint="member.answer")
    statuses = moved(before, after, "buurtlijn_webhook_duration_seconds_count",
                     endpoint="member.status")
    assert answers == 5 and statuses == 6
    assert after[("buurtlijn_pacing_limit_cps", ())] == app.config["CARRIER_CPS"]
