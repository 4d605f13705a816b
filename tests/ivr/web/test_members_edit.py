"""Adding, editing and removing a member: the import's checks, the BIN scope, CSRF."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.db import db
from domain.models import AuditLog, Delivery, Member, Membership
from tests.factories import make_bin, make_member, make_message, make_web_user
from tests.web_support import csrf_token, person, post_form, sign_in

FORM = {"name": "Ann Claes", "street": "Molenstraat", "house_number": "4", "postcode": "2990",
        "municipality": "Grensdorp", "phone": "0477 12 34 56", "phone2": "", "language": "fr",
        "email": "ann@example.be"}


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def _members() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Member))


def test_a_new_member_is_stored_in_e164_in_the_coordinators_bin(app):
    bin11 = make_bin(db, code="11")
    client = _coordinator(app, bin11)
    response = post_form(client, "/members/new", {**FORM, "bin": bin11.id}, follow_redirects=True)
    assert "Ann Claes is toegevoegd." in response.get_data(as_text=True)
    member = db.session.scalar(select(Member))
    assert (member.phone, member.phone_type, member.language) == ("+32477123456", "mobile", "fr")
    assert [ms.bin_id for ms in member.memberships] == [bin11.id]
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "member.add"))


def test_a_bad_phone_number_is_shown_at_its_field_and_nothing_is_stored(app):
    bin11 = make_bin(db, code="11")
    client = _coordinator(app, bin11)
    for bad in ("0900 12 345", "12", "+31 20 123 4567"):  # premium, nonsense, Dutch
        response = post_form(client, "/members/new", {**FORM, "phone": bad, "bin": bin11.id})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="phone-error"' in html and "Betaalnummers" in html, bad
        assert f'value="{bad}"' in html  # what was typed stays in the field
    assert _members() == 0


def test_a_form_without_a_csrf_token_is_400_and_stores_nothing(app):
    bin11 = make_bin(db, code="11")
    member = make_member(db, bins=[bin11], name="Ann")
    client = _coordinator(app, bin11)
    assert client.post("/members/new", data={**FORM, "bin": bin11.id}).status_code == 400
    assert client.post(f"/members/{member.id}/remove").status_code == 400
    assert _members() == 1


def test_a_coordinator_cannot_add_to_another_bin(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    client = _coordinator(app, bin11)
    response = post_form(client, "/members/new", {**FORM, "bin": bin12.id})
    assert response.status_code == 200 and _members() == 0


def test_editing_keeps_the_form_on_a_bad_number_and_saves_a_good_one(app):
    bin11 = make_bin(db, code="11")
    member = make_member(db, bins=[bin11], name="Ann", phone="+32470000001")
    client = _coordinator(app, bin11)
    page = client.get(f"/members/{member.id}/edit").get_data(as_text=True)
    assert 'value="+32 470 00 00 01"' in page
    bad = post_form(client, f"/members/{member.id}/edit", {**FORM, "phone": "0800 12 345"})
    assert 'id="phone-error"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member.id).phone == "+32470000001"
    good = post_form(client, f"/members/{member.id}/edit", FORM, follow_redirects=True)
    assert "De gegevens van Ann Claes zijn opgeslagen." in good.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Member, member.id)
    assert (stored.name, stored.phone, stored.email) == ("Ann Claes", "+32477123456",
                                                         "ann@example.be")


def test_editing_into_another_members_name_and_number_is_refused(app):
    bin11 = make_bin(db, code="11")
    make_member(db, bins=[bin11], name="Ann Claes", phone="+32477123456")
    other = make_member(db, bins=[bin11], name="Bart")
    client = _coordinator(app, bin11)
    response = post_form(client, f"/members/{other.id}/edit", FORM)
    assert "Een ander lid heeft deze naam" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, other.id).name == "Bart"


def test_removing_from_one_bin_keeps_the_other_bins_membership(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    both = make_member(db, bins=[bin11, bin12], name="Wim Both")
    client = _coordinator(app, bin11)
    confirm = client.get(f"/members/{both.id}/remove").get_data(as_text=True)
    assert "Wim Both verwijderen?" in confirm and "1 ander BIN" in confirm
    response = post_form(client, f"/members/{both.id}/remove", follow_redirects=True)
    assert "Wim Both is verwijderd." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [ms.bin_id for ms in db.session.get(Member, both.id).memberships] == [bin12.id]


def test_removing_the_last_membership_deletes_the_member_but_not_the_call_history(app):
    bin11 = make_bin(db, code="11")
    member = make_member(db, bins=[bin11], name="Ann")
    message = make_message(db, bins=[bin11])
    db.session.add(Delivery(message_id=message.id, member_id=member.id, phone=member.phone,
                            status="confirmed"))
    db.session.commit()
    member_id, phone = member.id, member.phone
    client = _coordinator(app, bin11)
    assert post_form(client, f"/members/{member_id}/remove").status_code == 302
    assert _members() == 0
    assert db.session.scalar(select(Delivery.phone)) == phone


def test_a_coordinator_of_two_bins_chooses_the_bin_to_remove_from(app):
    bin11, bin13 = make_bin(db, code="11"), make_bin(db, code="13")
    both = make_member(db, bins=[bin11, bin13], name="Wim")
    client = _coordinator(app, bin11, bin13)
    assert "Verwijderen uit" in client.get(f"/members/{both.id}/remove").get_data(as_text=True)
    post_form(client, f"/members/{both.id}/remove", {"bin": bin13.id})
    db.session.expire_all()
    assert [ms.bin_id for ms in db.session.get(Member, both.id).memberships] == [bin11.id]


def test_a_member_of_another_bin_is_404_and_nothing_changes(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    secret = make_member(db, bins=[bin12], name="Bert")
    client = _coordinator(app, bin11)
    token = csrf_token(client, "/members")
    assert client.post(f"/members/{secret.id}/remove",
                       data={"csrf_token": token, "bin": bin12.id}).status_code == 404
    assert client.post(f"/members/{secret.id}/edit",
                       data={**FORM, "csrf_token": token}).status_code == 404
    db.session.expire_all()
    stored = db.session.get(Member, secret.id)
    assert stored.name == "Bert" and len(stored.memberships) == 1
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
