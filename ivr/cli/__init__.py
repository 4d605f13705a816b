"""`flask --app ivr ...` commands (DESIGN.md "Commands")."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ivr.cli import (
        bins,
        broadcasts,
        check,
        demo,
        members,
        officers,
        redis_cmd,
        users,
        worker,
        zones,
    )
    from ivr.cli.contributions import contribution_cli
    from ivr.cli.costs import costs_command
    from ivr.cli.retention import retention_cli

    for group in (bins.bin_cli, members.member_cli, officers.officer_cli, demo.demo_cli,
                  redis_cmd.redis_cli, broadcasts.broadcast_cli, users.user_cli,
                  zones.zone_cli, contribution_cli, retention_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(check.check_command)
    app.cli.add_command(costs_command)
