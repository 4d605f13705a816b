"""Carrier limits: calls per second with Twilio-style queueing, and concurrent calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

CALLER_ID = "+32477777755"


@pytest.fixture
def app(webapp):
    @webapp.route("/short")
    def short():
        return webapp.twiml("<Say>Kort</Say>")

    @webapp.route("/pause")
    def pause():
        return webapp.twiml("<Pause length='30'/>")

    return webapp.start()


def _starts(sb, sids):
    out = []
    for sid in sids:
        ev = next(e for e in sb.call(sid)["events"] if e["type"] == "initiated")
        out.append(ev["ts"])
    return sorted(out)


def _create_all(client, app, n, path):
    def one(i):
        return client.calls.create(to=f"+3247100{i:04d}", from_=CALLER_ID, url=app.url(path)).sid
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(n)))


def test_cps_limit_queues_and_paces(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(cps=10, scenario={"default": {"after_s": 1}})
    client = sdk(sb)
    sids = _create_all(client, app, 50, "/short")
    assert sb.wait_idle(20)
    starts = _starts(sb, sids)
    spread = starts[-1] - starts[0]
    assert 4.0 <= spread <= 7.0, spread
    for i, t0 in enumerate(starts):
        in_window = [t for t in starts[i:] if t < t0 + 1.0]
        assert len(in_window) <= 10, (i, len(in_window))
    queue_times = [int(client.calls(sid).fetch().queue_time) for sid in sids]
    assert max(queue_times) > 3500 and min(queue_times) < 1000
    assert all(c.status == "completed" for c in client.calls.list(page_size=100))


def test_concurrency_limit(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(cps=100, max_concurrent=3, scenario={"default": {"after_s": 1}})
    client = sdk(sb)
    sids = _create_all(client, app, 12, "/pause")
    assert sb.wait_idle(20)
    intervals = []
    for sid in sids:
        t = sb.call(sid)
        start = next(e["ts"] for e in t["events"] if e["type"] == "initiated")
        end = next(s["ts"] for s in t["timeline"] if s["status"] == "completed")
        intervals.append((start, end))
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    live = peak = 0
    for _, delta in points:
        live += delta
        peak = max(peak, live)
    assert peak == 3
    assert sorted(int(client.calls(s).fetch().queue_time) for s in sids)[-1] >= 900
