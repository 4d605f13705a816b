"""`worker`: an RQ worker with scheduler, inside the app context."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker

from domain.broadcast.reconcile import ReconcilerThread
from domain.queues import QUEUE_NAMES, queues
from domain.redis_conn import redis_conn
from ivr.live import refuse_demo_settings
from ivr.threads import favour_latency


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "names", multiple=True, type=click.Choice(QUEUE_NAMES),
              help="Queues to serve, in priority order (default: all).")
@with_appcontext
def worker_command(burst: bool, names: tuple[str, ...]) -> None:
    """Run an RQ worker serving Buurtlijn's queues, urgent work first."""
    # Live with demo settings: refused in one line, before Redis or the carrier is reached.
    refuse_demo_settings(current_app._get_current_object())
    favour_latency()  # the dialler's threads each wait on the carrier and the database
    # SimpleWorker runs jobs in this process: no fork per job, so the app context, the
    # database pool and the carrier client are reused across thousands of short dials.
    # RQ gets a client of its own: it raises the socket timeout of the one it is given
    # to outlast its BLPOP, and the jobs' own Redis calls keep their short timeout.
    rq_connection = redis_conn.new_client()
    worker = SimpleWorker(queues(rq_connection, names or QUEUE_NAMES),
                          connection=rq_connection)
    current_app.logger.info("worker %s serving %s", worker.name, ", ".join(names or QUEUE_NAMES))
    if not burst:
        ReconcilerThread(current_app._get_current_object()).start()
    worker.work(burst=burst, with_scheduler=True)
