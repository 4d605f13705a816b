"""Who may open which page: one declaration on every web route, and the BIN scope.

Every view of the web app carries `@roles_required(...)` or `@public`; the decorator
leaves `allowed_roles` on the view so tests (and `unguarded_endpoints`) can prove that no
route was forgotten. A coordinator sees only their own BINs: views ask `visible_bin_ids()`
and turn anything outside it into 404, so IDs of other BINs cannot even be confirmed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import Flask, abort
from flask_login import current_user

from domain.models import Role
from ivr.extensions import login_manager

PUBLIC = frozenset({"public"})
POLICE = (Role.ADMIN, Role.DISPATCHER)
EVERY_ROLE = (Role.ADMIN, Role.DISPATCHER, Role.COORDINATOR)
# Blueprints that answer the carrier, not people: each of their routes checks the
# carrier's signature instead (ivr.signature), and they are exempt from CSRF.
CARRIER_BLUEPRINTS = ("voice", "media", "recording_line", "member")


def roles_required(*roles: Role) -> Callable:
    """Only signed-in users with one of `roles`; others are sent to /login or get 403."""
    allowed = frozenset(role.value for role in roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed
        return guarded

    return decorate


def public(view: Callable) -> Callable:
    """A page anyone may open (sign-in, public pages): declared, not forgotten."""
    view.allowed_roles = PUBLIC
    return view


def visible_bin_ids() -> set[int] | None:
    """The BINs the current user may see; None means every BIN (police roles)."""
    if current_user.role == Role.COORDINATOR:
        return current_user.bin_ids
    return None


def require_visible(bin_ids: Iterable[int]) -> None:
    """404 unless the current user may see at least one of `bin_ids`."""
    visible = visible_bin_ids()
    if visible is not None and not visible.intersection(bin_ids):
        abort(404)


def unguarded_endpoints(app: Flask) -> list[str]:
    """Web endpoints without a declared permission (carrier routes check signatures)."""
    missing = []
    for endpoint, view in app.view_functions.items():
        blueprint = endpoint.rpartition(".")[0]
        if endpoint == "static" or blueprint in CARRIER_BLUEPRINTS:
            continue
        if not hasattr(view, "allowed_roles"):
            missing.append(endpoint)
    return sorted(missing)
