"""Importing a member list through the web: CSV and .xlsx, preview, confirm once."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from domain.db import db
from domain.models import AuditLog, Member, Membership
from tests.factories import make_bin, make_member, make_web_user
from tests.web_support import csrf_token, person, post_form, sign_in

HEADER = "bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,email"
GOOD = [HEADER, "11,Ann Claes,Molenstraat,4,2990,Grensdorp,0477 12 34 56,,nl,",
        "11,Bart Smet,Kerkstraat,7,2990,Grensdorp,03 620 29 29,,fr,bart@example.be"]
TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def _upload(client, body: bytes, name: str = "leden.csv", token: bool = True):
    data = {"file": (io.BytesIO(body), name)}
    if token:
        data["csrf_token"] = csrf_token(client, "/members/import")
    return client.post("/members/import", data=data, content_type="multipart/form-data")


def _members() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Member))


def _confirm(client, html: str):
    match = TOKEN.search(html)
    assert match, "no confirmation form on the preview"
    return post_form(client, "/members/import/confirm", {"token": match.group(1)},
                     token_from="/members", follow_redirects=True)


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_good_csv_is_previewed_then_stored_on_confirmation(app):
    bin11 = make_bin(db, code="11")
    make_member(db, bins=[bin11], name="Bart Smet", phone="+3236202929", phone_type="landline",
                street="Oude straat", house_number="7", postcode="2990", municipality="Grensdorp")
    client = _coordinator(app, bin11)
    preview = _upload(client, "\n".join(GOOD).encode())
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Controleer leden.csv voor het importeren" in html, \
        html[html.index("<main"):]
    counts = re.findall(r"<div><strong>(\d+)</strong>([^<]+)</div>", html)
    assert counts == [("1", "nieuwe leden"), ("1", "bijgewerkt"), ("0", "ongewijzigd"),
                      ("1", "nieuwe BIN-lidmaatschappen")]
    assert "Ann Claes" in html and "+32 477 12 34 56" in html
    assert _members() == 1  # a preview stores nothing
    done = _confirm(client, html).get_data(as_text=True)
    assert "2 rijen van leden.csv geïmporteerd: 1 nieuwe leden, 1 bijgewerkt" in done
    assert _members() == 2
    assert db.session.scalar(select(Member.street).where(Member.name == "Bart Smet")) == \
        "Kerkstraat"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "member.import"))


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_stored(app):
    bin11 = make_bin(db, code="11")
    client = _coordinator(app, bin11)
    rows = [*GOOD, "11,Cor,Kerkstraat,9,2990,Grensdorp,0900 123 45,,nl,",
            "11,,Kerkstraat,9,2990,Grensdorp,0470 11 22 33,,nl,"]
    html = _upload(client, "\n".join(rows).encode()).get_data(as_text=True)
    assert "2 problemen in leden.csv: er is niets geïmporteerd" in html
    assert re.search(r'<td class="num">4</td><td>telefoon: 0900 123 45 is een betaalnummer',
                     html)
    assert re.search(r'<td class="num">5</td><td>geen naam</td>', html)
    assert not TOKEN.search(html)  # nothing to confirm
    assert _members() == 0


def test_a_row_of_another_bin_is_a_line_error_for_a_coordinator(app):
    make_bin(db, code="12")
    client = _coordinator(app, make_bin(db, code="11"))
    rows = [*GOOD, "12,Dirk,Heide,1,2990,Grensdorp,0470 11 22 33,,nl,"]
    html = _upload(client, "\n".join(rows).encode()).get_data(as_text=True)
    assert re.search(r'<td class="num">4</td><td>BIN-code 12 is niet een van uw BIN&#39;s</td>',
                     html)
    assert _members() == 0


def test_an_xlsx_workbook_is_read_with_excels_row_numbers(app):
    bin11 = make_bin(db, code="11")
    client = _coordinator(app, bin11)
    rows = [HEADER.split(","), [11, "Ann Claes", "Molenstraat", 4, 2990, "Grensdorp",
                                477123456, None, "nl", None],  # Excel dropped the 0
            [11, "Bart Smet", "Kerk\nstraat", 7, 2990, "Grensdorp", "0470 12 34 5", None, "nl"]]
    bad = _upload(client, _xlsx(rows), "leden.xlsx").get_data(as_text=True)
    assert re.search(r'<td class="num">3</td><td>telefoon: ', bad) and _members() == 0
    rows[2][6] = "0470 12 34 56"
    html = _upload(client, _xlsx(rows), "leden.xlsx").get_data(as_text=True)
    assert "Excel" in html and "Kerk straat" in html
    _confirm(client, html)
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Member.phone))) == ["+32470123456", "+32477123456"]


def test_a_file_that_is_no_member_list_says_so(app):
    client = _coordinator(app, make_bin(db, code="11"))
    html = _upload(client, b"PK\x03\x04 broken", "leden.xlsx").get_data(as_text=True)
    assert "Dit bestand kan niet gelezen worden" in html and "leden.xlsx" in html
    html = _upload(client, b"\x00\x01\x02binary", "foto.jpg").get_data(as_text=True)
    assert "Dit bestand kan niet gelezen worden" in html


def test_an_upload_without_a_csrf_token_is_400_and_stores_nothing(app):
    client = _coordinator(app, make_bin(db, code="11"))
    response = _upload(client, "\n".join(GOOD).encode(), token=False)
    assert response.status_code == 400
    assert db.session.execute(select(func.count()).select_from(Member)).scalar() == 0
    no_token = client.post("/members/import/confirm", data={"token": "x" * 24})
    assert no_token.status_code == 400


def test_confirming_twice_stores_once(app):
    client = _coordinator(app, make_bin(db, code="11"))
    html = _upload(client, "\n".join(GOOD).encode()).get_data(as_text=True)
    _confirm(client, html)
    again = _confirm(client, html).get_data(as_text=True)
    assert "Er wacht geen import op bevestiging" in again
    assert _members() == 2
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 2


def test_another_coordinator_cannot_confirm_someone_elses_upload(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    owner = _coordinator(app, bin12)
    html = _upload(owner, "\n".join(GOOD).replace("\n11,", "\n12,").encode()) \
        .get_data(as_text=True)
    other = _coordinator(app, bin11)
    taken = _confirm(other, html).get_data(as_text=True)
    assert "Er wacht geen import op bevestiging" in taken and _members() == 0
    _confirm(owner, html)  # still there for its owner
    assert _members() == 2


def test_a_list_larger_than_the_webhook_limit_uploads(app):
    client = _coordinator(app, make_bin(db, code="11"))
    rows = [HEADER] + [f"11,Lid {i},Kerkstraat,{i},2990,Grensdorp,+32470{i:06d},,nl,"
                       for i in range(2000)]
    body = "\n".join(rows).encode()
    assert len(body) > app.config["MAX_CONTENT_LENGTH"]
    html = _upload(client, body).get_data(as_text=True)
    assert "Importeer" in html or "rijen importeren" in html
    _confirm(client, html)
    assert _members() == 2000


def test_every_kind_of_line_problem_is_said_in_the_readers_language(app):
    from flask_babel import force_locale

    from domain import members_csv
    from ivr.web.import_problems import translated

    rows = [HEADER, "11,,Kerkstraat,1,,,0470 11 22 33,,nl,", ",Ann,,,,,0470 11 22 30,,nl,",
            "99,Ann,,,,,0470 11 22 31,,nl,", "11,Bob,,,,,0900 123 45,12,xx,bad",
            "11,Cor,,,,,+31 20 123 4567,,nl,", "11,Dan,,,,,abc,,nl,",
            "11,Eve," + "x" * 300 + ",,,,0470 11 22 34,,nl,", "11,Fay,,,,,0470 11 22 35,,nl,",
            "11,Fay,,,,,0470 11 22 35,,nl,", "11,Gus,,,,,0470 11 22 36,,nl,,extra", "11,Hal",
            "11,Ivy,,,,,,,nl,", "11,Jan,,,,,0470 11 22 35,,nl,"]
    report = members_csv.validate("\n".join(rows), {"11"}, ["BE"])
    header = members_csv.validate("naam,phone,phone\n1,2,3", {"11"}, ["BE"])
    empty = members_csv.validate(HEADER + "\n", {"11"}, ["BE"])
    channel = members_csv.validate("\n".join([
        HEADER + ",channel", "11,Kim,,,,,0470 11 22 40,,nl,,fax",
        "11,Lou,,,,,0470 11 22 41,,nl,,email", "11,Max,,,,,0470 11 22 42,,nl,max@example.org,sms",
        "11,Ned,,,,,+3236201234,,nl,,sms"]), {"11"}, ["BE"])
    assert len(channel.errors) == 4
    problems = [re.sub(r"^line \d+: ", "", m) for m in
                report.errors + report.warnings + header.errors + empty.errors + channel.errors]
    assert len(problems) >= 22
    with app.test_request_context(), force_locale("nl"):
        untranslated = [p for p in problems if translated(p) == p]
        assert untranslated == []
        assert translated("phone2: invalid phone number: '12'") == \
            "tweede nummer: 12 is geen geldig telefoonnummer"


def test_a_file_over_ten_megabytes_is_413_and_stores_nothing(app):
    client = _coordinator(app, make_bin(db, code="11"))
    body = ("\n".join(GOOD) + "\n" + "#" * (11 * 1024 * 1024)).encode()
    assert _upload(client, body).status_code == 413
    assert _members() == 0
