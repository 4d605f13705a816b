"""`bin add` / `bin edit` with the contribution's fee, IBAN and BIC, good and bad values."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Bin

IBAN = "BE71 0961 2345 6769"  # a valid Belfius test account
BIC = "GKCCBEBB"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), env={"COLUMNS": "200"})


def bin_row(code: str) -> Bin:
    db.session.expire_all()
    return db.session.scalars(select(Bin).where(Bin.code == code)).one()


@pytest.mark.parametrize(("typed", "cents"), [("5", 500), ("7.50", 750), ("7,50", 750),
                                              ("0", 0), ("12,5", 1250), ("€ 3", 300)])
def test_fee_is_read_in_euro_with_cents(app, typed, cents):
    result = cli(app, "bin", "add", "11", "BIN Centrum", "--fee", typed, "--iban", IBAN)
    assert result.exit_code == 0, result.output
    row = bin_row("11")
    assert row.fee_cents == cents
    assert row.iban == "BE71096123456769"  # stored compact


@pytest.mark.parametrize(("args", "message"), [
    (("--fee", "-5", "--iban", IBAN), "must not be negative"),
    (("--fee", "vijf", "--iban", IBAN), "amount in euro"),
    (("--fee", "5.555", "--iban", IBAN), "amount in euro"),
    (("--fee", "5000", "--iban", IBAN), "at most 500 euro"),
    (("--fee", "5",), "a BIN with a fee needs an account"),
    (("--fee", "5", "--iban", "BE71 0961 2345 6768"), "not a valid IBAN"),
    (("--iban", IBAN, "--bic", "GKCC"), "not a valid BIC"),
])
def test_bad_payment_settings_are_refused_on_add(app, args, message):
    result = cli(app, "bin", "add", "11", "BIN Centrum", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalars(select(Bin)).all() == []


def test_edit_sets_fee_and_account_audited_and_list_shows_it(app):
    assert cli(app, "bin", "add", "12", "BIN Heide").exit_code == 0
    result = cli(app, "bin", "edit", "12", "--fee", "7,50", "--iban", IBAN, "--bic",
                 "gkcc be bb")
    assert result.exit_code == 0, result.output
    assert "contribution €7.50" in result.output
    row = bin_row("12")
    assert (row.fee_cents, row.iban, row.bic) == (750, "BE71096123456769", BIC)
    edit = db.session.scalars(select(AuditLog).where(AuditLog.action == "bin.edit")).one()
    assert "750" in str(edit.details) and "BE71096123456769" in str(edit.details)
    listing = cli(app, "bin", "list").output
    assert "€7.50" in listing


def test_edit_refuses_a_fee_without_account_and_keeps_the_bin(app):
    cli(app, "bin", "add", "12", "BIN Heide")
    result = cli(app, "bin", "edit", "12", "--fee", "5")
    assert result.exit_code != 0 and "needs an account" in result.output
    assert bin_row("12").fee_cents == 0
    # Removing the account of a BIN that charges a fee is refused too.
    cli(app, "bin", "edit", "12", "--fee", "5", "--iban", IBAN)
    result = cli(app, "bin", "edit", "12", "--iban", "")
    assert result.exit_code != 0 and "needs an account" in result.output
    assert bin_row("12").iban == "BE71096123456769"
    # Free again, the account may go.
    assert cli(app, "bin", "edit", "12", "--fee", "0", "--iban", "").exit_code == 0
    assert (bin_row("12").fee_cents, bin_row("12").iban) == (0, None)


def test_edit_takes_the_coordinator_options_of_add(app):
    cli(app, "bin", "add", "12", "BIN Heide")
    result = cli(app, "bin", "edit", "12", "--coordinator-email", "heide@bin.example",
                 "--coordinator-name", "An Peeters")
    assert result.exit_code == 0, result.output
    row = bin_row("12")
    assert (row.coordinator_email, row.coordinator_name) == ("heide@bin.example", "An Peeters")
    assert "nothing to change" in cli(app, "bin", "edit", "12").output


def test_contribution_new_year_is_idempotent(app):
    from domain.models import Contribution, Membership
    from tests.factories import make_contribution, make_member, make_paying_bin

    bin_ = make_paying_bin(db)
    member = make_member(db, bins=[bin_])
    make_contribution(db, member, bin_, year=2026, paid=True)
    first = cli(app, "contribution", "new-year", "--year", "2027")
    assert first.exit_code == 0, first.output
    assert "1 contributions opened" in first.output and "1 members now payment due" in first.output
    second = cli(app, "contribution", "new-year", "--year", "2027")
    assert "0 contributions opened" in second.output
    db.session.expire_all()
    assert len(db.session.scalars(select(Contribution).where(Contribution.year == 2027)).all()) == 1
    assert db.session.scalars(select(Membership.status)).one() == "payment_due"
    assert cli(app, "contribution", "new-year", "--year", "1999").exit_code != 0


def test_demo_load_gives_bin_11_a_fee_with_paid_and_due_members_once(app):
    from domain import contributions

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    centrum, heide = bin_row("11"), bin_row("12")
    assert (centrum.fee_cents, centrum.iban) == (500, "BE71096123456769")
    assert heide.fee_cents == 0
    view = contributions.overview(centrum, contributions.this_year())
    assert (view.count("paid"), view.count("due")) == (3, 3)
    assert view.count("not_asked") == len(view.lines) - 6
