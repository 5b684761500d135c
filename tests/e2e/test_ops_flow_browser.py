"""End to end in Chromium: a 110 call rings → the operator answers and creates the incident by keyboard →
the dispatcher accepts the top recommendation with one key → the officer's phone sets en route, on scene,
cleared. Counts the interactions from answer to dispatch (goal ≤ 12) and saves screenshots to var/screens/.

The live server here is WSGI (no WebSocket), so the pages run on their polling fallback: the
connection indicator must say so, and every update still arrives within a poll (5 s).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.core.context import acting

from ..cad.conftest import bekasi_kelurahan, world  # noqa: F401 (fixtures)
from ..cad.ops_fixtures import *  # noqa: F403
from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-Rahasia-123"
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
POLL = 12_000  # ms: two polling periods and some slack


@pytest.fixture(autouse=True)
def sqlite_shared_cache_reads():
    """The test database is SQLite in memory with a shared cache, where a reader in one live-server thread
    gets "database table is locked" at once while another thread writes (busy_timeout does not apply to
    shared-cache locks). Readers that do not take table locks avoid that test-only failure; the real
    database is a WAL file without a shared cache."""
    from django.db.backends.signals import connection_created

    def read_uncommitted(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            with connection.cursor() as c:
                c.execute("PRAGMA read_uncommitted = 1")

    connection_created.connect(read_uncommitted)
    yield
    connection_created.disconnect(read_uncommitted)


class Counter:
    """Every key press, typed field and click of the operator and dispatcher, from the answer on."""

    def __init__(self):
        self.n = 0
        self.log: list[str] = []

    def press(self, page, key: str) -> None:
        page.keyboard.press(key)
        self.n += 1
        self.log.append(key)

    def type(self, page, text: str) -> None:
        page.keyboard.type(text, delay=15)
        self.n += 1  # one typed field counts once, however long the text
        self.log.append(f"type {text!r}")


def test_call_to_cleared_by_keyboard(live_server, browser_page, ops):
    from playwright.sync_api import expect

    from siaga.cad import intake
    from siaga.cad.models import Call, Incident, Unit

    SCREENS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    browser = browser_page.context.browser

    # the dispatcher watches the room
    disp = browser_page
    login(disp, base, "dispatcher", PASSWORD)
    disp.goto(f"{base}/ops/")
    disp.wait_for_selector("#ops-room[data-ready='1']")
    expect(disp.locator("#ops-map")).to_have_attribute("data-outline", "1")  # Bekasi Timur's outline
    assert disp.locator("#ops-conn").get_attribute("data-state") == "polling"

    # the operator's intake screen
    op_ctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 860})
    op = op_ctx.new_page()
    op_errors: list[str] = []
    op.on("pageerror", lambda e: op_errors.append(str(e)))
    login(op, base, "operator", PASSWORD)
    op.goto(f"{base}/ops/intake/")
    op.wait_for_selector("#intake[data-ready='1']")

    # a call rings at the Polres (the telephony bridge calls the intake service)
    with acting(None, "telephony"):
        call = intake.ring(ops.polres, "081234567890", call_id="pbx-0001")
    op.wait_for_selector("#ops-calls li.call.ringing", timeout=POLL)
    disp.wait_for_selector("#ops-calls li.call.ringing", timeout=POLL)

    count = Counter()
    count.press(op, "F2")  # answer the oldest ringing call
    op.wait_for_selector("#in-fields:not([disabled])")
    assert op.evaluate("document.activeElement.id") == "in-place"
    count.type(op, "Bekasijaya")
    op.wait_for_selector("#in-place-list li[role=option]")
    count.press(op, "Enter")  # first match: Kelurahan Bekasijaya
    op.wait_for_selector("#intake[data-place='1']")
    assert op.evaluate("document.activeElement.id") == "in-category"
    count.type(op, "pengan")
    op.wait_for_selector("#in-category-list li[role=option]")
    count.press(op, "Enter")  # penganiayaan (assault), default P2
    assert op.evaluate("document.activeElement.id") == "in-priority"
    count.press(op, "1")  # raise to P1: two attackers, victim bleeding
    assert op.evaluate("document.activeElement.id") == "in-text"
    count.type(op, "Pemukulan di depan minimarket, korban berdarah, pelaku dua orang")
    count.press(op, "Control+Enter")  # create the incident (no duplicate nearby)
    op.wait_for_selector("#intake[data-recs]")
    op.wait_for_selector("#in-recs li.rec")
    incident = Incident.objects.get(calls__pk=call.pk)
    assert incident.priority == 1 and incident.category == "penganiayaan"
    assert incident.kelurahan_code == "32.75.01.1001" and incident.polsek_id == ops.s1.pk
    assert Call.objects.get(pk=call.pk).disposition == "incident"
    op.screenshot(path=str(SCREENS / "intake.png"), full_page=True)

    # the dispatcher: the new P1 appears with a banner; j selects it, d dispatches the top recommendation
    disp.wait_for_selector(f"#ops-incidents tr.inc[data-id='{incident.pk}']", timeout=POLL)
    assert disp.locator("#ops-alert").is_visible()
    assert incident.number in disp.locator("#ops-alert-text").inner_text()
    disp.locator("#ops-alert-close").click()  # acknowledging the banner is not part of the flow count
    count.press(disp, "j")
    count.press(disp, "d")
    disp.wait_for_selector(f"#ops-incidents tr.inc[data-id='{incident.pk}'] .s-dispatched", timeout=POLL)
    incident.refresh_from_db()
    assert incident.status == "dispatched"
    unit = incident.assignments.get().unit
    assert unit.callsign == "S1-R4"  # the nearest unit, 330 m away
    print(f"\ninteractions from answer to dispatch: {count.n} ({', '.join(count.log)})")
    print(f"the intake screen counted: {op.locator('#intake').get_attribute('data-count')}")
    assert count.n <= 12

    # the room shows the unit on the job; open the incident panel for the screenshot
    disp.wait_for_selector(f"#ops-units tr[data-unit='{unit.pk}'] .u-dispatched", timeout=POLL)
    disp.keyboard.press("Enter")
    disp.wait_for_selector("#ops-detail:not([hidden]) .timeline")
    disp.wait_for_timeout(300)
    disp.screenshot(path=str(SCREENS / "ops-room.png"))

    # the officer on the phone: en route → on scene → cleared, sharing the position
    here = {"latitude": -6.2334, "longitude": 107.0166}
    off_ctx = browser.new_context(
        locale="id-ID",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation=here,
        permissions=["geolocation"],
    )
    off = off_ctx.new_page()
    off_errors: list[str] = []
    off.on("pageerror", lambda e: off_errors.append(str(e)))
    login(off, base, "patrol", PASSWORD)
    off.goto(f"{base}/officer/")
    off.wait_for_selector("#officer[data-ready='1']")
    assert incident.number in off.locator("#off-assignment").inner_text()
    assert off.locator("#off-geo-link").get_attribute("href").startswith("geo:")
    assert "openstreetmap.org/directions" in off.locator("#off-osm-link").get_attribute("href")
    off.check("#off-share")
    expect(off.locator("#off-geo")).to_contain_text("107.0166")
    assert abs(Unit.objects.get(pk=unit.pk).lon - 107.0166) < 1e-6

    off.click("button[data-status=en_route]")
    off.wait_for_selector("#officer[data-status='en_route']")
    off.screenshot(path=str(SCREENS / "officer.png"), full_page=True)
    off.click("button[data-status=on_scene]")
    off.wait_for_selector("#officer[data-status='on_scene']")
    off.fill("#off-note", "Pelaku sudah diamankan warga, korban dibawa ke RS")
    off.click("#off-note-form button")
    expect(off.locator("#off-msg")).not_to_be_empty()
    off.click("button[data-status=cleared]")
    off.wait_for_selector("#officer[data-status='available']")

    incident.refresh_from_db()
    assert incident.status == "cleared"
    for stamp in ("received_at", "answered_at", "dispatched_at", "en_route_at", "on_scene_at", "cleared_at"):
        assert getattr(incident, stamp) is not None, stamp
    assert incident.notes.filter(text__contains="diamankan").exists()

    # the room follows: the unit is available again
    disp.wait_for_selector(f"#ops-units tr[data-unit='{unit.pk}'] .u-available", timeout=POLL)

    # the response-time report, with the demo-like history of the fixture world
    disp.goto(f"{base}/ops/report/?since=2026-01-01&group=priority&group=category")
    disp.wait_for_selector("table.report-table")
    disp.screenshot(path=str(SCREENS / "report.png"), full_page=True)

    # the WSGI live server has no /ws/events/: the failed handshake is the expected console error
    errors = [e for e in disp.js_errors if "/ws/events/" not in e]
    assert errors == [], errors
    assert op_errors == [] and off_errors == [], (op_errors, off_errors)


def test_prank_and_duplicate_link_by_keyboard(live_server, browser_page, ops):
    """A known prank caller is flagged and closed with one key; a second report of an open incident is
    offered as a duplicate and linked with one key, so no second response starts."""
    from playwright.sync_api import expect

    from siaga.cad import incidents, intake
    from siaga.cad.models import Call, Incident

    op = browser_page
    opr = ops.u("operator")
    with acting(opr, "setup"):
        for n in range(2):  # two earlier pranks from this number
            c = intake.ring(ops.polres, "081300000001", call_id=f"old-{n}")
            intake.answer(opr, c)
            intake.close_call(opr, c, "prank")
        open_incident = incidents.create_incident(
            opr, category="curat", kelurahan_code="32.75.01.1001", summary="Rumah dibobol"
        )
    login(op, live_server.url, "operator", PASSWORD)
    op.goto(f"{live_server.url}/ops/intake/")
    op.wait_for_selector("#intake[data-ready='1']")

    with acting(None, "telephony"):
        prank = intake.ring(ops.polres, "081300000001", call_id="pbx-p")
    op.wait_for_selector("#ops-calls li.call.ringing", timeout=POLL)
    op.keyboard.press("F2")
    expect(op.locator("#in-caller .flag.bad")).to_be_visible()  # known prank caller
    op.keyboard.press("Alt+p")
    expect(op.locator("#intake")).to_have_attribute("data-closed", "prank")
    assert Call.objects.get(pk=prank.pk).disposition == "prank"

    with acting(None, "telephony"):
        second = intake.ring(ops.polres, "081300000002", call_id="pbx-d")
    op.wait_for_selector(f"#ops-calls li.call.ringing[data-call='{second.pk}']", timeout=POLL)
    op.keyboard.press("a")
    op.wait_for_selector("#in-fields:not([disabled])")
    op.keyboard.type("Bekasijaya", delay=15)
    op.wait_for_selector("#in-place-list li[role=option]")
    op.keyboard.press("Enter")
    op.keyboard.type("curat", delay=15)
    op.wait_for_selector("#in-category-list li[role=option]")
    op.keyboard.press("Enter")
    expect(op.locator("#in-dups")).to_contain_text(open_incident.number)
    op.keyboard.press("Alt+l")
    expect(op.locator("#intake")).to_have_attribute("data-closed", "linked")
    c = Call.objects.get(pk=second.pk)
    assert c.disposition == "linked" and c.incident_id == open_incident.pk
    assert Incident.objects.filter(polres=ops.polres).count() == 1  # no second incident
    assert [e for e in op.js_errors if "/ws/events/" not in e] == []
