"""The menu: each role's pages, in the order people use them."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain.models import Role

C, D, A = Role.COORDINATOR, Role.DISPATCHER, Role.ADMIN
MENU = (
    ("members.index", _l("Members"), (C,)),
    ("applications.index", _l("Applications"), (C,)),
    ("contributions.index", _l("Contributions"), (C,)),
    ("zones.index", _l("Zones"), (C, A)),
    ("broadcasts.index", _l("Broadcasts"), (C, D, A)),
    ("costs.index", _l("Costs"), (C, D, A)),
    ("reports.index", _l("Year reports"), (C, D, A)),
    ("admin.bins", _l("BINs"), (A,)),
    ("admin.officers", _l("Officers"), (A,)),
    ("admin.users", _l("Web users"), (A,)),
    ("admin.audit", _l("Audit log"), (A,)),
)


def menu() -> list[dict]:
    """The current user's menu items that exist in this app, the current one marked."""
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label, roles in MENU:
        if current_user.role_enum in roles and endpoint in current_app.view_functions:
            url = url_for(endpoint)
            items.append({"url": url, "label": label,
                          "current": request.path == url or request.path.startswith(url + "/")})
    return items
