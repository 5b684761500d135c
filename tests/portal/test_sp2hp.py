"""SP2HP: the legal schedule as a pure function (property tests), the staff due queue, issuing notices,
and the reporter's lookup (all three fields must match; no hint; rate-limited)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siaga.core.errors import Invalid, NotFound
from siaga.portal import reports, sp2hp
from siaga.portal.common import TooMany
from siaga.portal.sp2hp import CLASS_OFFSETS, due_offsets, due_state, next_due

from ..cad.ops_fixtures import P_S1, P_S2
from .conftest import *  # noqa: F403

UTC = dt.UTC
classes = st.sampled_from(sorted(CLASS_OFFSETS))
starts = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(UTC)
)


def test_the_legal_schedule_by_class():
    assert due_offsets("ringan", 60) == [3, 10, 20, 30, 60]
    assert due_offsets("sedang", 90) == [3, 15, 30, 45, 60, 90]
    assert due_offsets("sulit", 120) == [3, 15, 30, 45, 60, 75, 90, 120]
    with pytest.raises(ValueError):
        due_offsets("mudah")


@given(classes, st.integers(min_value=3, max_value=2000))
def test_schedule_properties(severity, horizon):
    offs = due_offsets(severity, horizon)
    assert offs[0] == 3  # first notice within 3 days
    assert all(b > a for a, b in itertools.pairwise(offs))  # strictly increasing
    assert all(b - a <= 30 for a, b in itertools.pairwise(offs))  # at least monthly
    assert set(o for o in CLASS_OFFSETS[severity] if o <= horizon) <= set(offs)  # the class days kept
    assert offs[-1] > horizon - 30  # covers the whole horizon
    assert all(o <= horizon for o in offs)


@given(classes, starts, st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_next_due_is_never_more_than_a_month_after_the_last_notice(severity, start, days):
    issued = [start + dt.timedelta(days=d) for d in sorted(days)]
    deadline = next_due(start, severity, issued)
    if not issued:
        assert deadline == start + dt.timedelta(days=3)
    else:
        assert deadline <= max(issued) + dt.timedelta(days=30)
    assert deadline <= start + dt.timedelta(days=due_offsets(severity, 5000)[len(issued)])


@given(starts, st.integers(min_value=-100, max_value=100))
def test_due_state_is_monotone(deadline, hours):
    now = deadline + dt.timedelta(hours=hours)
    state = due_state(deadline, now)
    if hours > 0:
        assert state == "overdue"
    elif hours >= -48:
        assert state == "due"
    else:
        assert state == "ok"


# --- with the database ----------------------------------------------------------------------------

NAME, DOB = "Budi Santoso", "1985-07-01"


def case(ops, n=1, severity="ringan", at=None, **over):
    r = reports.submit_report(
        key=f"sp2hp-key-{n:06d}-abcdefgh",
        category="penipuan",
        description="Saya ditipu penjual online sebesar 2 juta rupiah.",
        lat=over.get("lat", P_S1[1]),
        lon=over.get("lon", P_S1[0]),
        reporter_name=NAME,
        reporter_dob=DOB,
        device=f"d{n}",
        at=at,
    )
    return reports.accept(ops.u("operator"), r, mode="case", severity=severity, at=at)


@pytest.mark.django_db
def test_due_queue_lists_overdue_and_respects_scope(ops):
    old = dt.datetime.now(UTC) - dt.timedelta(days=5)
    r1 = case(ops, 1, at=old)  # first notice was due 2 days ago
    r2 = case(ops, 2, lat=P_S2[1], lon=P_S2[0])  # just now: due within 3 days
    rows = {d.report.pk: d for d in sp2hp.due_list(ops.u("operator"))}
    assert rows[r1.pk].state == "overdue" and rows[r1.pk].days_late >= 1
    assert r2.pk not in rows  # due in 3 days: not yet within the 2-day "due" window
    assert [d.report.pk for d in sp2hp.due_list(ops.u("disp_s2"), include_ok=True)] == [r2.pk]
    assert sp2hp.due_list(ops.u("citizen")) == []
    sp2hp.issue_notice(ops.u("operator"), r1, code="A1", text="Laporan Anda sedang diteliti penyidik.")
    after = {d.report.pk: d for d in sp2hp.due_list(ops.u("operator"), include_ok=True)}
    assert after[r1.pk].issued == 1 and after[r1.pk].deadline == r1.created_at + dt.timedelta(days=10)


@pytest.mark.django_db
def test_issue_notice_rules(ops):
    r = case(ops)
    op = ops.u("operator")
    with pytest.raises(Invalid):
        sp2hp.issue_notice(op, r, code="A9", text="Teks pemberitahuan yang cukup panjang.")
    with pytest.raises(Invalid):
        sp2hp.issue_notice(op, r, code="A4", text="pendek")
    with pytest.raises(NotFound):
        sp2hp.issue_notice(ops.u("citizen"), r, code="A4", text="Teks pemberitahuan yang cukup panjang.")
    assert r.notices.count() == 0
    n1 = sp2hp.issue_notice(op, r, code="A1", text="Laporan sedang diteliti.")
    n2 = sp2hp.issue_notice(op, r, code="A5", text="Penyidikan dihentikan (SP3) karena bukan pidana.")
    assert (n1.seq, n2.seq) == (1, 2)
    r.refresh_from_db()
    assert r.status == "closed"  # A5 ends the case
    with pytest.raises(Invalid):
        sp2hp.issue_notice(op, r, code="A4", text="Teks pemberitahuan yang cukup panjang.")


@pytest.mark.django_db
def test_a3_moves_an_accepted_report_into_investigation(ops):
    r = reports.submit_report(
        key="sp2hp-accepted-0001-abcd",
        category="curat",
        description="Rumah dibobol saat kosong semalam.",
        lat=P_S1[1],
        lon=P_S1[0],
    )
    r = reports.accept(ops.u("operator"), r, mode="incident")
    with pytest.raises(Invalid):
        sp2hp.issue_notice(ops.u("operator"), r, code="A3", text="Naik ke penyidikan hari ini.")
    sp2hp.issue_notice(ops.u("operator"), r, code="A3", text="Naik ke penyidikan hari ini.", severity="sulit")
    r.refresh_from_db()
    assert r.status == "investigating" and r.severity == "sulit"


@pytest.mark.django_db
def test_reporter_lookup_needs_all_three_and_gives_no_hint(ops):
    r = case(ops)
    sp2hp.issue_notice(ops.u("operator"), r, code="A1", text="Laporan Anda sedang kami teliti.")
    ok = sp2hp.lookup(r.tracking_code.lower(), "  budi   SANTOSO ", DOB, client="1.2.3.4")
    assert [n["code"] for n in ok["notices"]] == ["A1"] and "teliti" in ok["notices"][0]["text"]
    messages = set()
    for number, name, dob in [
        (r.tracking_code, "Budi Santosa", DOB),
        (r.tracking_code, NAME, "1985-07-02"),
        ("ZZZZZZZZZZ", NAME, DOB),
        (r.tracking_code, NAME, "garbage"),
    ]:
        with pytest.raises(NotFound) as e:
            sp2hp.lookup(number, name, dob, client="5.6.7.8")
        messages.add(e.value.message)
    assert len(messages) == 1  # the same answer whichever field was wrong


@pytest.mark.django_db
def test_reporter_lookup_is_rate_limited(ops):
    r = case(ops)
    for _ in range(5):
        with pytest.raises(NotFound):
            sp2hp.lookup(r.tracking_code, "wrong", DOB, client="9.9.9.9")
    with pytest.raises(TooMany):
        sp2hp.lookup(r.tracking_code, NAME, DOB, client="9.9.9.9")


@pytest.mark.django_db
def test_anonymous_report_has_no_lookup(ops):
    r = reports.submit_report(
        key="sp2hp-anon-000001-abcd",
        category="penipuan",
        description="Penipuan online lewat aplikasi.",
        lat=P_S1[1],
        lon=P_S1[0],
        without_identity=True,
        reporter_name=NAME,
        reporter_dob=DOB,
    )
    with pytest.raises(NotFound):
        sp2hp.lookup(r.tracking_code, NAME, DOB, client="x")


@pytest.mark.django_db
def test_track_page_shows_notices_after_lookup(client, ops):
    r = case(ops)
    sp2hp.issue_notice(ops.u("operator"), r, code="A1", text="Laporan Anda sedang kami teliti.")
    url = f"/lacak/{r.tracking_code}/"
    bad = client.post(url, {"name": "Orang Lain", "dob": DOB})
    assert bad.status_code == 404 and "teliti" not in bad.content.decode()
    good = client.post(url, {"name": NAME, "dob": DOB})
    assert good.status_code == 200 and "teliti" in good.content.decode()


@pytest.mark.django_db
def test_staff_sp2hp_page(client, ops):
    case(ops, at=dt.datetime.now(UTC) - dt.timedelta(days=6))
    client.force_login(ops.u("operator"))
    html = client.get("/staf/sp2hp/").content.decode()
    assert "due-overdue" in html
    client.force_login(ops.u("citizen"))
    assert client.get("/staf/sp2hp/").status_code == 403
