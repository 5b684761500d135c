"""cad.incidents: create (numbering, places, idempotency, scope), duplicates, lifecycle, reopen, notes,
persons (masking), vehicles, attachments and the Laporan Polisi."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from siaga.cad import dispatching, incidents, intake, services
from siaga.cad.models import Incident, IncidentAttachment, IncidentNote, InvolvedPerson, PoliceReport, Unit
from siaga.core.context import acting
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry

from .conftest import KELURAHAN, OUTSIDE, incident_columns
from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, P_S1C, P_S2, refresh

pytestmark = pytest.mark.django_db


def new(ops, who="operator", category="curat", at_point=P_S1, **kw):
    return incidents.create_incident(ops.u(who), category=category, lat=at_point[1], lon=at_point[0], **kw)


def east(point, metres):
    return (point[0] + metres / 110_400, point[1])


def test_create_resolves_place_numbers_and_audits(ops):
    before = AuditEntry.objects.count()
    i = new(ops, summary="Rumah dibobol", description="Pintu belakang rusak")
    year = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=7))).year
    assert i.number == f"BKS/{year}/000001" and i.status == "created" and i.version == 1
    assert i.polsek_id == ops.s1.pk and i.kelurahan_code == KELURAHAN[0] and i.rt and i.rw
    assert i.kecamatan_code == "32.75.01" and i.h3_cell and i.priority == 2  # curat's default
    assert i.received_at == i.answered_at == i.created_at and i.created_by_id == ops.u("operator").pk
    assert [e.action for e in AuditEntry.objects.filter(seq__gt=before)] == ["cad.incident.created"]
    assert new(ops).number == f"BKS/{year}/000002"


def test_numbers_continue_after_the_history_import(ops):
    now = timezone.now()
    with acting(None, "test-history"):
        services.import_history(ops.polres, incident_columns(3, start=now - dt.timedelta(days=2)))
    year = now.astimezone(dt.timezone(dt.timedelta(hours=7))).year
    assert new(ops).number == f"BKS/{year}/000004"


def test_create_from_a_call_takes_its_times_and_links_it(ops):
    t0 = timezone.now() - dt.timedelta(minutes=2)
    with acting(None, "telephony"):
        call = intake.ring(ops.polres, "081234", at=t0)
    with pytest.raises(Invalid):  # not answered yet
        new(ops, call=call)
    intake.answer(ops.u("operator"), call, at=t0 + dt.timedelta(seconds=7))
    i = new(ops, call=call, address="Jl. Mawar")
    assert i.received_at == t0 and i.answered_at == t0 + dt.timedelta(seconds=7) and i.address == "Jl. Mawar"
    call = refresh(call)
    assert call.incident_id == i.pk and call.disposition == "incident" and call.kelurahan_code == KELURAHAN[0]
    with pytest.raises(Conflict):
        new(ops, call=call)
    assert intake.close_call(ops.u("operator"), call, "incident").incident_id == i.pk


@pytest.mark.parametrize(
    "kw",
    [
        {"category": "alien"},
        {"category": "prank"},
        {"priority": 7},
        {"source": "pigeon"},
        {"summary": "x" * 201},
        {"at_point": OUTSIDE},
        {"idempotency_key": "k" * 65},
    ],
)
def test_bad_input_creates_nothing(ops, kw):
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid):
        new(ops, **kw)
    assert Incident.objects.count() == 0 and AuditEntry.objects.count() == before


def test_idempotency_key_returns_the_first_incident(ops):
    a = new(ops, idempotency_key="tab-7f3a")
    b = new(ops, idempotency_key="tab-7f3a", category="laka")
    assert a.pk == b.pk and b.category == "curat" and Incident.objects.count() == 1
    assert new(ops, idempotency_key="tab-other").pk != a.pk


@pytest.mark.parametrize(
    "who,error",
    [("citizen", Forbidden), ("analyst", Forbidden), ("disp_s1", Forbidden), ("other_disp", Invalid)],
)
def test_create_outside_role_or_scope_is_refused(ops, who, error):
    with pytest.raises(error):
        new(ops, who=who, at_point=P_S2)  # S2's area
    assert Incident.objects.count() == 0


def test_polsek_dispatcher_creates_inside_their_polsek(ops):
    assert new(ops, who="disp_s2", at_point=P_S2).polsek_id == ops.s2.pk


def test_create_by_kelurahan_and_by_address(ops):
    i = incidents.create_incident(ops.u("operator"), category="keributan", kelurahan_code=KELURAHAN[3], rw=1)
    assert i.kelurahan_code == KELURAHAN[3] and i.rw == 1 and i.rt is None and i.polsek_id == ops.s2.pk
    j = incidents.create_incident(
        ops.u("operator"), category="keributan", address="RT 003/RW 002 Kel. Margahayu Kec. Bekasi Timur"
    )
    assert (j.kelurahan_code, j.rw, j.rt) == (KELURAHAN[1], 2, 3) and j.address.startswith("RT 003")


class TestLifecycle:
    def test_illegal_jumps_and_stale_versions(self, ops):
        i = new(ops)
        op = ops.u("operator")
        with pytest.raises(Invalid) as e:
            incidents.transition(op, i, "on_scene", i.version)
        assert e.value.code == "illegal_transition" and "created" in e.value.message
        with pytest.raises(Invalid):
            incidents.transition(op, i, "dispatched", i.version)  # needs a unit
        with pytest.raises(Invalid):
            incidents.transition(op, i, "teleported", i.version)
        with pytest.raises(Conflict) as e:
            incidents.transition(op, i, "closed", i.version + 5)
        assert e.value.status == 409
        assert refresh(i).status == "created" and i.version == 1

    def test_close_then_reopen(self, ops):
        op = ops.u("operator")
        i = new(ops)
        i = incidents.transition(op, i, "closed", 1)
        assert i.status == "closed" and i.closed_at is not None and i.version == 2
        with pytest.raises(Conflict):  # someone still holding version 1
            incidents.reopen(op, i, "caller rang back", version=1)
        with pytest.raises(Invalid):
            incidents.reopen(op, i, "  ")
        i = incidents.reopen(op, i, "caller rang back", version=2)
        assert (i.status, i.reopen_count, i.closed_at, i.version) == ("created", 1, None, 3)
        assert i.reopened_at is not None
        assert IncidentNote.objects.get(incident=i).text.endswith("caller rang back")
        with pytest.raises(Invalid):
            incidents.reopen(op, i, "again")  # open incidents are not reopened

    def test_full_lifecycle_with_a_unit_stamps_every_step(self, ops):
        d = ops.u("dispatcher")
        i = new(ops)
        dispatching.dispatch(d, i, ops.units["S1-R4"])
        i = refresh(i)
        assert i.status == "dispatched" and i.version == 2
        for step in ("en_route", "on_scene", "cleared", "closed"):
            i = incidents.transition(d, i, step, i.version)
            assert getattr(i, f"{step}_at") is not None
        assert refresh(ops.units["S1-R4"]).status == "available"  # clearing frees the unit
        stamps = [
            i.received_at,
            i.answered_at,
            i.created_at,
            i.dispatched_at,
            i.en_route_at,
            i.on_scene_at,
            i.cleared_at,
            i.closed_at,
        ]
        assert stamps == sorted(stamps)

    def test_out_of_scope_changes_are_not_found(self, ops):
        i = new(ops, at_point=P_S2)
        for who in ("disp_s1", "other_disp", "citizen"):
            with pytest.raises(NotFound):
                incidents.transition(ops.u(who), i, "closed", i.version)
        with pytest.raises(Forbidden):  # may see, may not change
            incidents.transition(ops.u("analyst"), i, "closed", i.version)
        assert refresh(i).status == "created"


class TestDuplicates:
    def test_within_radius_window_and_group_only_nearest_first(self, ops):
        now = timezone.now()
        near = new(ops, at_point=east(P_S1, 150), category="curat")
        nearer = new(ops, at_point=east(P_S1, 50), category="curas")  # same group: crime
        new(ops, at_point=east(P_S1, 60), category="laka")  # traffic: another group
        new(ops, at_point=east(P_S1, 500), category="curat")  # beyond 300 m
        new(ops, at_point=east(P_S1, 20), category="curat", at=now - dt.timedelta(minutes=90))  # too old
        closed = new(ops, at_point=east(P_S1, 10), category="curat")
        incidents.transition(ops.u("operator"), closed, "closed", closed.version)
        found = incidents.find_duplicates(ops.u("operator"), P_S1[1], P_S1[0], "pencurian", now)
        assert [d.pk for d, _m in found] == [nearer.pk, near.pk]
        assert found[0][1] == pytest.approx(50, abs=3) and found[1][1] == pytest.approx(150, abs=5)
        # scope: a Polsek S2 dispatcher does not see S1's incidents
        assert incidents.find_duplicates(ops.u("disp_s2"), P_S1[1], P_S1[0], "curat", now) == []
        with pytest.raises(Invalid):
            incidents.find_duplicates(ops.u("operator"), P_S1[1], P_S1[0], "alien", now)

    def test_radius_and_window_are_polres_settings(self, ops):
        now = timezone.now()
        far = new(ops, at_point=east(P_S1, 500))
        intake.set_ops_config(ops.u("kabag"), ops.polres, duplicate_radius_m=800, duplicate_window_min=5)
        assert [
            d.pk for d, _ in incidents.find_duplicates(ops.u("operator"), P_S1[1], P_S1[0], "curat", now)
        ] == [far.pk]
        later = now + dt.timedelta(minutes=4)
        assert len(incidents.find_duplicates(ops.u("operator"), P_S1[1], P_S1[0], "curat", later)) == 1
        assert (
            incidents.find_duplicates(
                ops.u("operator"), P_S1[1], P_S1[0], "curat", now + dt.timedelta(minutes=6)
            )
            == []
        )

    def test_link_as_duplicate_keeps_the_report_closed_and_links_the_call(self, ops):
        first = new(ops)
        with acting(None, "telephony"):
            call = intake.ring(ops.polres, "0815")
        intake.answer(ops.u("operator"), call)
        dup = new(ops, call=call, link_duplicate_of=first, summary="same burglary")
        assert dup.status == "closed" and dup.duplicate_of_id == first.pk and dup.closed_at is not None
        call = refresh(call)
        assert call.incident_id == first.pk and call.disposition == "linked"
        with pytest.raises(Invalid):
            dispatching.dispatch(ops.u("dispatcher"), dup, ops.units["S1-R4"])
        with pytest.raises(NotFound):
            new(ops, who="disp_s2", at_point=P_S2, link_duplicate_of=first)


class TestDetails:
    def test_notes_persons_vehicles(self, ops):
        i = new(ops)
        op, d = ops.u("operator"), ops.u("dispatcher")
        assert incidents.add_note(d, i, "Unit dalam perjalanan").text == "Unit dalam perjalanan"
        with pytest.raises(Invalid):
            incidents.add_note(d, i, "   ")
        p = incidents.add_person(
            op, i, role="victim", name="Siti", nik="3275014101900001", phone="081234567890"
        )
        assert incidents.person_view(p, op)["nik"] == "3275014101900001"
        shown = incidents.person_view(p, d)
        assert (
            shown["masked"]
            and shown["nik"] != p.nik
            and shown["nik"].endswith("0001")
            and "*" in shown["nik"]
        )
        assert "*" in shown["phone"]
        with pytest.raises(Invalid):
            incidents.add_person(op, i, role="victim", name="X", nik="1234567890123456")
        with pytest.raises(Invalid):
            incidents.add_person(op, i, role="bystander", name="X")
        v = incidents.add_vehicle(op, i, plate="b 1234  kzx", kind="motor", role="stolen")
        assert v.plate == "B 1234 KZX"
        with pytest.raises(Invalid):
            incidents.add_vehicle(op, i, plate="B-1234;DROP", role="stolen")
        audit_person = AuditEntry.objects.get(action="cad.incident.person_added")
        assert "3275014101900001" not in str(audit_person.after) and "Siti" not in str(audit_person.after)
        with pytest.raises(NotFound):
            incidents.add_note(ops.u("disp_s2"), i, "not mine")
        assert InvolvedPerson.objects.count() == 1

    def test_attachments_type_and_size_limits(self, ops, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        i = new(ops)
        png = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
        png.name, png.content_type = "tkp.png", "image/png"
        a = incidents.attach(ops.u("operator"), i, png)
        assert (
            a.size == 108 and a.file.name.startswith("cad/attachments/") and (tmp_path / a.file.name).exists()
        )
        bad = [
            ("virus.exe", "application/x-msdownload", b"MZ..."),
            ("fake.png", "image/png", b"GIF89a...."),
            ("photo.pdf", "image/png", b"\x89PNG\r\n\x1a\n"),
            ("empty.txt", "text/plain", b""),
            ("big.txt", "text/plain", b"x" * (10 * 1024 * 1024 + 1)),
        ]
        for name, ctype, data in bad:
            f = io.BytesIO(data)
            f.name, f.content_type = name, ctype
            with pytest.raises(Invalid):
                incidents.attach(ops.u("operator"), i, f)
        assert IncidentAttachment.objects.count() == 1


class TestPoliceReport:
    def test_numbers_per_model_and_year(self, ops):
        a, b, c = new(ops), new(ops), new(ops)
        at = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
        r1 = incidents.create_police_report(ops.u("operator"), a, "B", at=at)
        assert r1.number == "LP/B/1/XI/2026/SPKT/POLRES METRO BEKASI KOTA"
        assert incidents.create_police_report(ops.u("operator"), b, "B", at=at).seq == 2
        assert incidents.create_police_report(ops.u("operator"), c, "A", at=at).number.startswith(
            "LP/A/1/XI/2026/"
        )
        with pytest.raises(Conflict):
            incidents.create_police_report(ops.u("operator"), a, "B")
        with pytest.raises(Invalid):
            incidents.create_police_report(ops.u("operator"), new(ops), "C")
        with pytest.raises(NotFound):
            incidents.create_police_report(ops.u("disp_s2"), new(ops), "B")
        assert PoliceReport.objects.count() == 3
        # a new year starts at 1 again (local time: 31 Dec 17:30 UTC is 1 Jan WIB)
        newyear = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC)
        assert incidents.create_police_report(ops.u("operator"), new(ops), "B", at=newyear).number.startswith(
            "LP/B/1/I/2027/"
        )


def test_panic_creates_a_p1_at_the_units_position(ops):
    unit = ops.units["S1-R4"]
    i = dispatching.panic(ops.u("patrol"), unit)  # the unit's own crew
    assert i.priority == 1 and i.panic and i.status == "created" and i.source == "device"
    assert (i.lat, i.lon) == pytest.approx((unit.lat, unit.lon)) and "S1-R4" in i.summary
    j = dispatching.panic(ops.u("patrol"), unit, lat=P_S1C[1], lon=P_S1C[0])
    assert j.kelurahan_code == KELURAHAN[2] and refresh(unit).lat == pytest.approx(P_S1C[1])
    with pytest.raises(Forbidden):  # another patrol officer, not on this unit's crew
        dispatching.panic(ops.u("patrol2"), unit)
    with pytest.raises(NotFound):
        dispatching.panic(ops.u("disp_s2"), unit)
    assert AuditEntry.objects.filter(action="cad.unit.panic").count() == 2


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(incidents.ORDER), min_size=1, max_size=8))
def test_any_sequence_of_requests_follows_the_lifecycle(ops, steps):
    """Random transition requests: each succeeds exactly when the lifecycle allows it, and the stamped
    timestamps never run backwards."""
    d = ops.u("dispatcher")
    i = new(ops)
    for to in steps:
        allowed = to in incidents.ALLOWED[i.status] and to != "dispatched"
        if to == "dispatched" and i.status == "created":
            unit = Unit.objects.filter(polres=ops.polres, status="available", lat__isnull=False).first()
            if unit is not None:  # (examples share the database: earlier ones may hold every unit)
                dispatching.dispatch(d, i, unit)
                i = refresh(i)
            continue
        version = i.version
        if allowed:
            i = incidents.transition(d, i, to, version)
            assert i.status == to and i.version == version + 1
        else:
            with pytest.raises(Invalid):
                incidents.transition(d, i, to, version)
            assert refresh(i).version == version
    stamps = [getattr(i, f"{s}_at") for s in incidents.ORDER]
    present = [t for t in stamps if t is not None]
    assert present == sorted(present)
    if i.status in ("cleared", "closed"):
        assert not i.assignments.filter(active=True).exists()
