"""Unbound Flask extensions of the web app, bound in `create_app()` with `init_app`.

The database handle and the Redis connection belong to the domain (`domain.db`,
`domain.redis_conn`), which jobs use without the web app; migrations are the app's.
"""

from __future__ import annotations

from flask_migrate import Migrate

migrate = Migrate()
