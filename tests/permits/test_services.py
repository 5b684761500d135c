"""Services: submission of every kind (validated, stored with its first step, or refused with the legal
reason and nothing stored), idempotency, the workflow (every legal move, illegal moves refused with
nothing changed), which unit acts on which kind, forwarding above the Polres, letters and their numbers,
verification states, notifications and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.permits import letters, selectors, submit, workflow
from siaga.permits.models import ForbiddenPlace, Request, RequestEvent

from .conftest import *  # noqa: F403
from .conftest import NEAR_MILITARY, crowd_fields, demo_fields, key, local, person, sktlk_fields, working_day

pytestmark = pytest.mark.django_db


def counts():
    return Request.objects.count(), RequestEvent.objects.count(), AuditEntry.objects.count()


# --- submission -------------------------------------------------------------------------------------------


def test_an_sktlk_request_is_stored_with_its_first_step_and_a_private_code(pw):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    r = s.request
    assert s.created and r.status == "submitted" and r.polres_id == pw.tree.a.pk
    assert len(r.tracking_code) == 10 and len(s.secret) == 16 and r.secret_hash != s.secret
    assert [i["kind"] for i in r.details["items"]] == ["ktp", "atm"]
    assert list(r.events.values_list("status", flat=True)) == ["submitted"]
    audit = AuditEntry.objects.get(action="permits.request.submitted")
    assert "Siti" not in str(audit.after) and "3275014512900001" not in str(audit.after)


def test_the_office_chosen_puts_the_request_under_that_polsek(pw):
    r = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields(office=f"polsek-{pw.tree.s1.pk}")).request
    assert r.polsek_id == pw.tree.s1.pk and r.signer == "kapolsek"


def test_same_key_returns_the_first_request_and_the_same_private_code(pw):
    a = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    b = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields(name="Someone Else"))
    assert a.request.pk == b.request.pk and a.secret == b.secret and not b.created
    assert Request.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"nik": "123"}, "nik"),
        ({"nik": "0075014512900001"}, "nik"),  # province 00
        ({"nik": "3275019912900001"}, "nik"),  # day 99
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"name": "S"}, "name"),
        ({"items": []}, "items"),
        ({"items": [{"kind": "rocket", "identifier": "1"}]}, "items"),
        ({"items": [{"kind": "ktp", "identifier": "x" * 61}]}, "items"),
        ({"items": [{"kind": "ktp", "identifier": str(i)} for i in range(11)]}, "items"),
        ({"lost_on": "kemarin"}, "lost_on"),
        ({"lost_on": "2999-01-01"}, "lost_on"),
        ({"lost_on": "2020-01-01"}, "lost_on"),
        ({"lost_place": ""}, "lost_place"),
        ({"chronology": "hilang"}, "chronology"),
        ({"office": "polsek-999999"}, "office"),
    ],
)
def test_bad_sktlk_input_is_refused_and_nothing_is_stored(pw, over, field):
    before = counts()
    with pytest.raises(Invalid) as e:
        submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields(**over))
    assert e.value.field == field and e.value.status == 400
    assert counts() == before


def test_bad_kind_and_bad_key(pw):
    with pytest.raises(Invalid):
        submit.submit(kind="passport", key=key(1), fields=sktlk_fields())
    with pytest.raises(Invalid) as e:
        submit.submit(kind="sktlk", key="short", fields=sktlk_fields())
    assert e.value.code == "idempotency_key"
    assert Request.objects.count() == 0


# --- demonstration notices --------------------------------------------------------------------------------


def test_a_valid_demonstration_notice_is_received_and_signed_by_the_kapolres(pw):
    r = submit.submit(kind="unjuk_rasa", key=key(1), fields=demo_fields()).request
    assert (
        r.status == "submitted" and r.signer == "kapolres" and r.details["coordinator"] == "Bambang Sutrisno"
    )


def test_a_notice_less_than_3x24_hours_ahead_is_refused_with_the_article(pw):
    start = timezone.localtime() + dt.timedelta(hours=30)
    fields = demo_fields(
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="unjuk_rasa", key=key(1), fields=fields)
    rules_broken = {b.rule for b in e.value.breaches}
    assert "demo_lead_time" in rules_broken
    assert "UU 9/1998 Pasal 10 ayat 3" in e.value.message
    assert Request.objects.count() == 0


@pytest.mark.parametrize(
    "missing", ["purpose", "place", "form", "coordinator", "organisation", "props", "participants"]
)
def test_a_notice_must_state_every_item_of_pasal_11(pw, missing):
    with pytest.raises(Invalid) as e:
        submit.submit(kind="unjuk_rasa", key=key(1), fields=demo_fields(**{missing: ""}))
    assert e.value.code == "demo_content" and "Pasal 11" in e.value.message and e.value.field == missing
    assert Request.objects.count() == 0


def test_outdoor_hours_indoor_hours(pw):
    day = working_day(5)
    late = demo_fields(starts_at=local(day, 16).isoformat(), ends_at=local(day, 19).isoformat())
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="unjuk_rasa", key=key(1), fields=late)
    assert e.value.breaches[0].rule == "demo_hours"
    r = submit.submit(kind="unjuk_rasa", key=key(2), fields={**late, "indoor": "1"}).request
    assert r.details["indoor"] is True


def test_not_on_a_national_holiday(pw):
    christmas = dt.date(timezone.localdate().year, 12, 25)
    if christmas - timezone.localdate() < dt.timedelta(days=4):
        christmas = dt.date(christmas.year + 1, 12, 25)
    fields = demo_fields(starts_at=local(christmas, 9).isoformat(), ends_at=local(christmas, 11).isoformat())
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="unjuk_rasa", key=key(1), fields=fields)
    assert [b.rule for b in e.value.breaches] == ["demo_holiday"]


def test_not_within_150_m_of_a_military_installation(pw):
    with pytest.raises(submit.Refused) as e:
        submit.submit(
            kind="unjuk_rasa", key=key(1), fields=demo_fields(lat=NEAR_MILITARY[0], lon=NEAR_MILITARY[1])
        )
    (b,) = e.value.breaches
    assert b.rule == "demo_place" and "Makodim 0507" in b.message and "150 m" in b.message


def test_every_broken_rule_is_reported_at_once(pw):
    start = timezone.localtime() + dt.timedelta(hours=5)
    fields = demo_fields(
        lat=NEAR_MILITARY[0],
        lon=NEAR_MILITARY[1],
        starts_at=start.replace(hour=20, minute=0).isoformat(),
        ends_at=start.replace(hour=23, minute=0).isoformat(),
    )
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="unjuk_rasa", key=key(1), fields=fields)
    assert {"demo_lead_time", "demo_hours", "demo_place"} <= {b.rule for b in e.value.breaches}


def test_forbidden_places_of_another_polres_do_not_count(pw):
    ForbiddenPlace.objects.all().update(polres=pw.tree.b)
    r = submit.submit(
        kind="unjuk_rasa", key=key(1), fields=demo_fields(lat=NEAR_MILITARY[0], lon=NEAR_MILITARY[1])
    )
    assert r.request.status == "submitted"


def test_a_national_demonstration_is_forwarded_to_mabes(pw):
    r = submit.submit(kind="unjuk_rasa", key=key(1), fields=demo_fields(scale="nasional")).request
    assert r.status == "forwarded" and r.signer == "kabaintelkam" and "Mabes" in r.reason
    assert list(r.events.values_list("status", flat=True)) == ["submitted", "forwarded"]


# --- crowd-event permits ----------------------------------------------------------------------------------


def test_a_crowd_permit_needs_14_working_days(pw):
    ok = submit.submit(kind="keramaian", key=key(1), fields=crowd_fields(days=16)).request
    assert ok.status == "submitted" and ok.signer == "kapolres"
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="keramaian", key=key(2), fields=crowd_fields(n=2, days=10))
    assert e.value.breaches[0].rule == "crowd_lead_time" and "14" in e.value.message
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="keramaian", key=key(3), fields=crowd_fields(n=3, days=16, scale="internasional"))
    assert "30" in e.value.message


def test_a_political_activity_needs_a_notice_not_a_permit(pw):
    with pytest.raises(submit.Refused) as e:
        submit.submit(kind="keramaian", key=key(1), fields=crowd_fields(political="1"))
    assert e.value.breaches[0].rule == "crowd_political"


def test_a_provincial_event_is_accepted_and_forwarded_to_polda(pw):
    r = submit.submit(kind="keramaian", key=key(1), fields=crowd_fields(scale="provinsi")).request
    assert r.status == "forwarded" and r.signer == "kapolda" and "Polda" in r.reason
    with pytest.raises(Invalid):
        workflow.approve(pw.u("intelkam"), r.pk)


def test_a_kecamatan_event_without_a_known_polsek_is_signed_by_the_kapolres(pw):
    r = submit.submit(kind="keramaian", key=key(1), fields=crowd_fields(scale="kecamatan")).request
    assert r.signer == "kapolres"


@pytest.mark.parametrize(
    "over",
    [
        {"scale": "galactic"},
        {"participants": "many"},
        {"participants": 0},
        {"starts_at": "tomorrow"},
        {"title": ""},
        {"lat": "x", "lon": "y"},
        {"lat": 51.5, "lon": 0.1},
    ],
)
def test_bad_crowd_input(pw, over):
    with pytest.raises(Invalid):
        submit.submit(kind="keramaian", key=key(1), fields=crowd_fields(**over))
    assert Request.objects.count() == 0


def test_end_before_start_is_refused(pw):
    f = crowd_fields()
    with pytest.raises(Invalid) as e:
        submit.submit(kind="keramaian", key=key(1), fields={**f, "ends_at": f["starts_at"]})
    assert e.value.field == "ends_at"


# --- workflow -----------------------------------------------------------------------------------------------


def _sktlk(n=1, **over):
    return submit.submit(kind="sktlk", key=key(n), fields=sktlk_fields(n, **over))


def test_the_full_sktlk_path_with_a_correction(pw, django_capture_on_commit_callbacks, mailoutbox):
    op = pw.u("operator")
    with django_capture_on_commit_callbacks(execute=True):
        s = _sktlk()
        r = s.request
        workflow.review(op, r.pk)
        workflow.ask_fix(op, r.pk, message="Nomor ATM belum lengkap.")
        with pytest.raises(Invalid):
            workflow.approve(op, r.pk)  # a request awaiting correction cannot be issued
        submit.resubmit(
            r.tracking_code, s.secret, sktlk_fields(items=[{"kind": "atm", "identifier": "5221 8400 1234"}])
        )
        workflow.approve(op, r.pk, signer_name="AKP Rahmat")
    r.refresh_from_db()
    assert r.status == "approved" and r.details["items"] == [{"kind": "atm", "identifier": "5221 8400 1234"}]
    assert [e.status for e in r.events.all()] == [
        "submitted",
        "in_review",
        "needs_fix",
        "submitted",
        "approved",
    ]
    assert all(e.at for e in r.events.all())
    assert r.letter_number.startswith("SKTLK/1/") and r.letter_number.endswith("/SPKT")
    assert r.valid_until - r.issued_at == dt.timedelta(days=14)
    assert len(r.verify_code) == 20  # 100 bits
    assert [m.to for m in mailoutbox] == [["siti1@contoh.id"]] * 5
    assert "Nomor ATM belum lengkap." in mailoutbox[2].body
    actions = list(AuditEntry.objects.filter(object_type="permits.request").values_list("action", flat=True))
    assert actions == [
        "permits.request.submitted",
        "permits.request.in_review",
        "permits.request.needs_fix",
        "permits.request.submitted",
        "permits.request.approved",
    ]


@pytest.mark.parametrize(
    ("setup", "step"),
    [
        ([], lambda op, pk: workflow.revoke(op, pk, reason="tidak berlaku lagi")),
        (["approve"], lambda op, pk: workflow.review(op, pk)),
        (["approve"], lambda op, pk: workflow.ask_fix(op, pk, message="perbaiki data")),
        (["approve"], lambda op, pk: workflow.approve(op, pk)),
        (["approve"], lambda op, pk: workflow.reject(op, pk, reason="alasan apa saja")),
        (["reject"], lambda op, pk: workflow.review(op, pk)),
        (["reject"], lambda op, pk: workflow.approve(op, pk)),
        (["review"], lambda op, pk: workflow.review(op, pk)),
        (["approve", "revoke"], lambda op, pk: workflow.revoke(op, pk, reason="sekali lagi")),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(pw, setup, step):
    op = pw.u("operator")
    r = _sktlk().request
    for s in setup:
        {
            "approve": lambda: workflow.approve(op, r.pk),
            "reject": lambda: workflow.reject(op, r.pk, reason="alasan penolakan"),
            "review": lambda: workflow.review(op, r.pk),
            "revoke": lambda: workflow.revoke(op, r.pk, reason="alasan pencabutan"),
        }[s]()
    r.refresh_from_db()
    before = (r.status, r.version, r.letter_number, counts())
    with pytest.raises(Invalid) as e:
        step(op, r.pk)
    assert e.value.status == 400
    r.refresh_from_db()
    assert (r.status, r.version, r.letter_number, counts()) == before


def test_a_stale_version_is_a_conflict(pw):
    r = _sktlk().request
    with pytest.raises(Conflict):
        workflow.review(pw.u("operator"), r.pk, version=r.version + 5)


def test_rejection_needs_a_reason_and_shows_it(pw):
    r = _sktlk().request
    with pytest.raises(Invalid):
        workflow.reject(pw.u("operator"), r.pk, reason="")
    workflow.reject(pw.u("operator"), r.pk, reason="Laporan ganda untuk kehilangan yang sama.")
    view = selectors.public_view(Request.objects.get(pk=r.pk))
    assert view["status"] == "rejected" and view["reason"] == "Laporan ganda untuk kehilangan yang sama."


@pytest.mark.parametrize(
    ("kind", "user", "allowed"),
    [
        ("sktlk", "operator", True),
        ("sktlk", "intelkam", False),
        ("unjuk_rasa", "intelkam", True),
        ("unjuk_rasa", "operator", False),
        ("keramaian", "operator", False),
        ("keramaian", "commander", True),
        ("sktlk", "kabag", True),
        ("sktlk", "dispatcher", None),  # no role to see it at all
        ("sktlk", "humas", None),
        ("sktlk", "intelkam_b", None),  # another Polres
    ],
)
def test_which_unit_acts_on_which_kind(pw, kind, user, allowed):
    fields = {"sktlk": sktlk_fields, "unjuk_rasa": demo_fields, "keramaian": crowd_fields}[kind]()
    r = submit.submit(kind=kind, key=key(1), fields=fields).request
    if allowed:
        assert workflow.review(pw.u(user), r.pk).status == "in_review"
        return
    with pytest.raises(Forbidden if allowed is False else NotFound):
        workflow.review(pw.u(user), r.pk)
    r.refresh_from_db()
    assert r.status == "submitted" and r.version == 1


def test_a_polsek_operator_acts_only_in_its_polsek(pw):
    mine = _sktlk(1, office=f"polsek-{pw.tree.s1.pk}").request
    other = _sktlk(2, office=f"polsek-{pw.tree.s2.pk}").request
    assert workflow.review(pw.u("operator_s1"), mine.pk).status == "in_review"
    with pytest.raises(NotFound):
        workflow.review(pw.u("operator_s1"), other.pk)
    assert [r.pk for r in selectors.staff_queue(pw.u("operator_s1"))] == [mine.pk]


def test_queues_show_each_unit_its_kinds(pw):
    _sktlk(1)
    submit.submit(kind="unjuk_rasa", key=key(2), fields=demo_fields(2))
    assert {r.kind for r in selectors.staff_queue(pw.u("operator"))} == {"sktlk"}
    assert {r.kind for r in selectors.staff_queue(pw.u("intelkam"))} == {"unjuk_rasa"}
    assert {r.kind for r in selectors.staff_queue(pw.u("commander"))} == {"sktlk", "unjuk_rasa"}
    assert list(selectors.staff_queue(pw.u("dispatcher"))) == []
    assert list(selectors.staff_queue(pw.u("intelkam_b"))) == []


def test_issuing_an_sttp_rechecks_the_place_rule(pw):
    r = submit.submit(kind="unjuk_rasa", key=key(1), fields=demo_fields()).request
    from .conftest import POINT

    ForbiddenPlace.objects.create(
        polres=pw.tree.a, name="Gardu Induk", kind="vital", lat=POINT[0] + 0.002, lon=POINT[1]
    )
    with pytest.raises(submit.Refused) as e:
        workflow.approve(pw.u("intelkam"), r.pk)
    assert "Gardu Induk" in e.value.message
    r.refresh_from_db()
    assert r.status == "submitted" and not r.letter_number


def test_letter_numbers_count_per_polres_and_series_with_a_roman_month(pw):
    op = pw.u("operator")
    a = workflow.approve(op, _sktlk(1).request.pk)
    b = workflow.approve(op, _sktlk(2).request.pk)
    month = letters.roman_month(timezone.localtime(a.issued_at).month)
    year = timezone.localtime(a.issued_at).year
    assert (
        a.letter_number == f"SKTLK/1/{month}/{year}/SPKT"
        and b.letter_number == f"SKTLK/2/{month}/{year}/SPKT"
    )
    sttp = workflow.approve(
        pw.u("intelkam"), submit.submit(kind="unjuk_rasa", key=key(3), fields=demo_fields(3)).request.pk
    )
    assert sttp.letter_number == f"STTP/1/{month}/{year}/INTELKAM"
    assert sttp.valid_until == sttp.ends_at


def test_roman_months():
    assert [letters.roman_month(m) for m in (1, 4, 9, 11, 12)] == ["I", "IV", "IX", "XI", "XII"]


def test_mask_name():
    assert letters.mask_name("Siti Aminah") == "S*** A*****"
    assert letters.mask_name("  budi  ") == "b***"


def test_verification_states_valid_expired_revoked(pw):
    op = pw.u("operator")
    r = workflow.approve(op, _sktlk().request.pk)
    v = letters.verification(r.verify_code)
    assert (
        v["state"] == "valid" and v["holder"] == "S*** A*****" and v["items"] == ["KTP", "Kartu ATM / debit"]
    )
    assert "3275" not in str(v) and "siti" not in str(v).lower()
    assert letters.verification(r.verify_code.lower())["state"] == "valid"  # typed by hand
    later = r.valid_until + dt.timedelta(minutes=1)
    assert letters.verification(r.verify_code, now=later)["state"] == "expired"
    workflow.revoke(op, r.pk, reason="Dokumen telah ditemukan kembali.")
    v = letters.verification(r.verify_code)
    assert v["state"] == "revoked" and v["revoke_reason"] == "Dokumen telah ditemukan kembali."
    with pytest.raises(NotFound):
        letters.verification("0" * 20)


def test_cancel_by_the_requester_needs_the_private_code(pw):
    s = _sktlk()
    with pytest.raises(Forbidden):
        submit.cancel(s.request.tracking_code, "WRONGCODE0000000")
    assert submit.cancel(s.request.tracking_code, s.secret.lower()).status == "cancelled"
    with pytest.raises(Invalid):
        submit.cancel(s.request.tracking_code, s.secret)


def test_resubmit_only_when_asked_and_validated_again(pw):
    s = _sktlk()
    with pytest.raises(Invalid):
        submit.resubmit(s.request.tracking_code, s.secret, sktlk_fields())
    workflow.ask_fix(pw.u("operator"), s.request.pk, message="Lengkapi kronologi.")
    with pytest.raises(Invalid):
        submit.resubmit(s.request.tracking_code, s.secret, sktlk_fields(chronology="pendek"))
    assert Request.objects.get().status == "needs_fix"
    with pytest.raises(Forbidden):
        submit.resubmit(s.request.tracking_code, "X" * 16, sktlk_fields())


def test_a_corrected_notice_counts_its_lead_time_from_the_correction(pw):
    s = submit.submit(kind="unjuk_rasa", key=key(1), fields=demo_fields(days=4))
    workflow.ask_fix(pw.u("intelkam"), s.request.pk, message="Sebutkan rute.")
    start = timezone.localtime() + dt.timedelta(hours=40)
    start = start.replace(hour=9, minute=0) if start.hour < 9 else start
    late = demo_fields(starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=1)).isoformat())
    with pytest.raises(submit.Refused):
        submit.resubmit(s.request.tracking_code, s.secret, late)
    assert Request.objects.get().status == "needs_fix"


def test_no_person_data_in_any_audit_row(pw):
    s = _sktlk()
    workflow.approve(pw.u("operator"), s.request.pk)
    for row in AuditEntry.objects.filter(object_type="permits.request"):
        text = f"{row.before} {row.after}"
        assert "Siti" not in text and "32750145129" not in text and "contoh.id" not in text


def test_demo_fields_person_helper_is_valid():
    assert submit.parse_nik(person()["nik"]) == person()["nik"]


def test_unknown_codes_from_one_address_are_limited_and_known_ones_never_count(pw):
    from siaga.portal.common import TooMany

    r = workflow.approve(pw.u("operator"), _sktlk().request.pk)
    for _ in range(40):  # a bank checking genuine letters all day is never slowed
        assert letters.verification(r.verify_code, client="10.0.0.9")["state"] == "valid"
    for _ in range(letters.VERIFY_MISSES):
        with pytest.raises(NotFound):
            letters.verification("0" * 20, client="10.0.0.7")
    with pytest.raises(TooMany):  # the scanner now waits, even for a code that exists
        letters.verification(r.verify_code, client="10.0.0.7")
    assert letters.verification(r.verify_code, client="10.0.0.8")["state"] == "valid"  # others unaffected


def test_requests_per_address_are_limited_and_refused_ones_do_not_count(
    pw, monkeypatch, django_capture_on_commit_callbacks
):
    from siaga.portal.common import TooMany

    monkeypatch.setattr(submit, "RATE_IP", (2, 3600))
    with django_capture_on_commit_callbacks(execute=True):  # a request counts once it is stored
        for _ in range(5):
            with pytest.raises(Invalid):
                submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields(1, nik="123"), ip="10.0.0.1")
        submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields(1), ip="10.0.0.1")
        submit.submit(kind="sktlk", key=key(2), fields=sktlk_fields(2), ip="10.0.0.1")
    with pytest.raises(TooMany):
        submit.submit(kind="sktlk", key=key(3), fields=sktlk_fields(3), ip="10.0.0.1")
    assert Request.objects.count() == 2
    submit.submit(kind="sktlk", key=key(4), fields=sktlk_fields(4), ip="10.0.0.2")
    assert Request.objects.count() == 3


def test_wrong_private_codes_from_one_address_are_limited(pw, monkeypatch):
    from siaga.portal import common
    from siaga.portal.common import TooMany

    monkeypatch.setattr(common, "LOOKUP_MISSES", (3, 900))
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    code = s.request.tracking_code
    for _ in range(3):
        with pytest.raises(Forbidden):
            submit.cancel(code, "WRONGSECRET00000", client="10.0.0.7")
    with pytest.raises(TooMany):  # even the right code now waits
        submit.cancel(code, s.secret, client="10.0.0.7")
    assert Request.objects.get().status == "submitted"
    assert submit.cancel(code, s.secret, client="10.0.0.8").status == "cancelled"
