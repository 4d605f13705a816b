"""Unbound Flask extensions of the web app, bound in `create_app()` with `init_app`.

The database handle and the Redis connection belong to the domain (`domain.db`,
`domain.redis_conn`), which jobs use without the web app; migrations are the app's.
"""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# The sign-in throttle has a Limiter per app (ivr.web.throttle): Flask-Limiter keeps its
# storage on the object, so a shared one would follow the last app created.
