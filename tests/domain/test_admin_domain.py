"""The domain rules behind the admin pages: PINs, masked numbers, web-user changes."""

from __future__ import annotations

import pytest

from domain.db import db
from domain.models import Role
from domain.officer_admin import generate_pin, mask_number, pin_problem
from domain.web_users import UserError, update_user
from tests.factories import make_bin, make_web_user


@pytest.mark.parametrize(("pin", "problem"), [
    ("739184", None), ("246810", None), ("918273645012", None),
    ("12345", "format"), ("1234567890123", "format"), ("12a456", "format"), ("", "format"),
    ("000000", "weak"), ("123456", "weak"), ("987654", "weak"), ("3456789", "weak"),
])
def test_a_pin_is_six_to_twelve_digits_and_not_the_obvious_one(pin, problem):
    assert pin_problem(pin) == problem


def test_a_generated_pin_is_eight_random_acceptable_digits():
    pins = {generate_pin() for _ in range(50)}
    assert len(pins) == 50 and all(len(p) == 8 and pin_problem(p) is None for p in pins)


def test_a_masked_number_keeps_its_start_and_its_last_two_digits():
    assert mask_number("+32470555111") == "+3247•••••11"
    assert "555" not in mask_number("+3236202929")


def test_bins_change_in_place_and_a_kept_bin_keeps_its_link(app):
    a, b, c = make_bin(db), make_bin(db), make_bin(db)
    user = make_web_user(db, "coordinator", bins=[a, b])
    kept = next(link.id for link in user.bins if link.bin_id == b.id)
    assert update_user(user, Role.COORDINATOR, [b.code, c.code], "nl", "admin@x",
                       name=user.name) == ["bins"]
    db.session.commit()
    db.session.refresh(user)
    assert user.bin_ids == {b.id, c.id}
    assert next(link.id for link in user.bins if link.bin_id == b.id) == kept


def test_a_coordinator_keeps_at_least_one_bin_and_police_keep_none(app):
    a = make_bin(db)
    user = make_web_user(db, "coordinator", bins=[a])
    with pytest.raises(UserError):
        update_user(user, Role.COORDINATOR, [], "nl", "admin@x", name=user.name)
    update_user(user, Role.ADMIN, [a.code], "nl", "admin@x", name=user.name)
    db.session.commit()
    assert user.bins == [] and user.totp_secret and user.totp_confirmed_at is None
    update_user(user, Role.COORDINATOR, [a.code], "nl", "admin@x", name=user.name)
    assert user.totp_secret is None
