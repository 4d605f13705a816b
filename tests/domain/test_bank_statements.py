# ruff: noqa: E501  (bank statement samples are as wide as the banks write them)
"""Bank statements (CODA and the CSV exports of Belgian banks) mark the right members
paid and report, by line number, what they could not match."""

from __future__ import annotations

from datetime import date

from domain import bank_statements as bs
from domain import contributions
from domain.db import db
from domain.models import Contribution
from tests.factories import make_contribution, make_member, make_paying_bin
from tests.statements import coda, coda_21, coda_23


def _world():
    """BIN 11 (€5) with An and Bart due, Chris paid; BIN 12's Dirk due (not visible)."""
    bin11, bin12 = make_paying_bin(db, code="11"), make_paying_bin(db, code="12")
    people = {name: make_member(db, name=name) for name in ("An", "Bart", "Chris", "Dirk")}
    rows = {name: make_contribution(db, people[name], bin11 if name != "Dirk" else bin12,
                                    year=2026, paid=name == "Chris")
            for name in people}
    return bin11, rows


def paid_names(rows) -> set[str]:
    db.session.expire_all()
    return {name for name, row in rows.items()
            if db.session.get(Contribution, row.id).paid_at is not None}


def test_coda_marks_structured_payments_and_reports_the_rest_by_line(app):
    bin11, rows = _world()
    r = {name: row.reference for name, row in rows.items()}
    data = coda(
        coda_21(1, 500, r["An"], True), coda_23(1, "AN PEETERS"),        # lines 3-4: paid
        coda_21(2, 500, r["Chris"], True), coda_23(2, "CHRIS"),          # 5: already paid
        coda_21(3, 500, f"lidgeld +++{r['Bart'][:3]}/{r['Bart'][3:7]}/{r['Bart'][7:]}+++",
                False), coda_23(3, "BART"),                              # 7: paid (loose)
        coda_21(4, 500, r["Dirk"], True), coda_23(4, "DIRK"),            # 9: other BIN
        coda_21(5, 2500, "huur zaal", False, debit=True),                 # 11: outgoing
        coda_21(6, 500, "lidgeld BIN", False), coda_23(6, "EVA"),        # 12: no reference
    )
    lines, kind = bs.read(data, "statement.cod")
    assert kind == "CODA"
    plan = bs.plan(lines, {bin11.id})
    assert [(m.line, m.member_name) for m in plan.matches] == [(3, "An"), (7, "Bart")]
    assert [(p.line, p.reason) for p in plan.problems] == [
        (5, bs.ALREADY_PAID), (9, bs.UNKNOWN), (11, bs.OUTGOING), (12, bs.NO_REFERENCE)]
    assert plan.problems[0].counterparty == "CHRIS"
    assert bs.apply(plan, "c@bin.example") == 2
    db.session.commit()
    assert paid_names(rows) == {"An", "Bart", "Chris"}
    an = db.session.get(Contribution, rows["An"].id)
    assert an.paid_via == "statement" and an.paid_at.date() == date(2026, 3, 15)
    # The same file again: nothing is marked twice.
    again = bs.plan(bs.read(data, "x")[0], {bin11.id})
    assert again.matches == [] and bs.apply(again, "c@bin.example") == 0


KBC = """Rekeningnummer;Rubrieknaam;Naam;Munt;Afschriftnummer;Datum;Omschrijving;Valuta;Bedrag;Saldo;credit;debet;rekeningnummer tegenpartij;BIC tegenpartij;Naam tegenpartij;Adres tegenpartij;gestructureerde mededeling;Vrije mededeling
BE71096123456769;;BIN Centrum;EUR;2026001;02/03/2026;OVERSCHRIJVING;02/03/2026;5,00;105,00;5,00;;BE43068999999501;GKCCBEBB;An Peeters;;{an};
BE71096123456769;;BIN Centrum;EUR;2026001;03/03/2026;OVERSCHRIJVING;03/03/2026;3,00;108,00;3,00;;BE43068999999501;GKCCBEBB;Bart Claes;;{bart};
BE71096123456769;;BIN Centrum;EUR;2026001;04/03/2026;OVERSCHRIJVING;04/03/2026;5,00;113,00;5,00;;BE43068999999501;GKCCBEBB;Eva;;123456789012;
BE71096123456769;;BIN Centrum;EUR;2026001;05/03/2026;OVERSCHRIJVING;05/03/2026;10,00;123,00;10,00;;BE43068999999501;GKCCBEBB;Dirk;;;bijdrage ***{dirk_f}*** met gift
"""


def test_kbc_csv_matches_amounts_and_reports_short_payments_and_bad_check_digits(app):
    bin11, rows = _world()
    r = {name: row.reference for name, row in rows.items()}
    # Dirk's reference is BIN 12's: unknown to BIN 11's coordinator.
    text = KBC.format(an=r["An"], bart=r["Bart"],
                      dirk_f=f"{r['Dirk'][:3]}/{r['Dirk'][3:7]}/{r['Dirk'][7:]}")
    lines, kind = bs.read(text.encode("cp1252"), "kbc.csv")
    assert kind == "CSV"
    plan = bs.plan(lines, {bin11.id})
    assert [(m.line, m.member_name, m.amount_cents) for m in plan.matches] == [(2, "An", 500)]
    assert [(p.line, p.reason) for p in plan.problems] == [
        (3, bs.AMOUNT), (4, bs.NO_REFERENCE), (5, bs.UNKNOWN)]
    assert plan.problems[0].counterparty == "Bart Claes"


def test_belfius_csv_with_preamble_in_windows_1252_and_a_gift_counts(app):
    bin11, rows = _world()
    ref = rows["Bart"].reference
    text = ("Boekingsdatum vanaf;01/03/2026\nBoekingsdatum tot en met;31/03/2026\n"
            "Bedrag vanaf;\n\n"
            "Rekening;Boekingsdatum;Rekeninguittrekselnummer;Transactienummer;"
            "Rekening tegenpartij;Naam tegenpartij bevat;Straat en nummer;"
            "Postcode en plaats;Transactie;Valutadatum;Bedrag;Devies;BIC;Landcode;"
            "Mededelingen\n"
            f"BE71096123456769;10/03/2026;3;12;BE43068999999501;Bart Claes;Kerkstraat 1;"
            f"2990 Wuustwezel;Overschrijving;10/03/2026;1.007,50;EUR;GKCCBEBB;BE;"
            f"Lidgeld Bart, café {ref[:3]} {ref[3:7]} {ref[7:]}\n")
    lines, _ = bs.read(text.encode("cp1252"), "belfius.csv")
    plan = bs.plan(lines, {bin11.id})
    assert [(m.line, m.member_name, m.amount_cents) for m in plan.matches] == [
        (6, "Bart", 100750)]
    bs.apply(plan, "c@bin.example")
    db.session.commit()
    assert db.session.get(Contribution, rows["Bart"].id).paid_cents == 100750


def test_bnp_csv_with_commas_in_utf8(app):
    bin11, rows = _world()
    ref = rows["An"].reference
    text = ("Volgnummer,Uitvoeringsdatum,Valutadatum,Bedrag,Valuta rekening,Rekeningnummer,"
            "Type verrichting,Tegenpartij,Naam van de tegenpartij,Mededeling,Details\n"
            f'2026-0001,2026-03-12,2026-03-12,"5.00",EUR,BE71096123456769,Overschrijving,'
            f'BE43068999999501,Ann Peeters-Émile,+++{contributions.formatted(ref)[3:-3]}+++,'
            f'"VAN BE43 ... MEDEDELING"\n')
    lines, _ = bs.read(text.encode("utf-8"), "bnp.csv")
    plan = bs.plan(lines, {bin11.id})
    assert [(m.line, m.member_name, m.day) for m in plan.matches] == [(2, "An", "2026-03-12")]


def test_a_file_that_is_not_a_statement_is_refused(app):
    try:
        bs.read(b"naam;telefoon\nAn;0470\n", "members.csv")
    except bs.BadStatement as exc:
        assert str(exc) == "no_header"
    else:
        raise AssertionError("a member list is not a statement")


def test_coda_with_trailing_spaces_lost_and_crlf_is_still_read(app):
    bin11, rows = _world()
    data = coda(coda_21(1, 500, rows["An"].reference, True), coda_23(1, "AN PEETERS"))
    trimmed = b"\r\n".join(line.rstrip() for line in data.split(b"\n"))
    lines, kind = bs.read(trimmed, "statement.cod")
    assert kind == "CODA"
    assert [(m.line, m.member_name) for m in bs.plan(lines, {bin11.id}).matches] == [(3, "An")]
    assert lines[0].counterparty == "AN PEETERS"
