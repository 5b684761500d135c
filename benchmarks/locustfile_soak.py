"""Locust users for benchmarks/soak.py (run it through that script, which builds the world and the config).

    locust -f benchmarks/locustfile_soak.py --headless ...

Four kinds of user with the weights of a Polres day (12 : 3 : 2 : 3), each waiting 1-5 s between tasks
(SIAGA_BENCH_CONFIG's wait_min / wait_max):
- CitizenUser, anonymous, its own client address (X-Forwarded-For, as the reverse proxy reports it) and
  device id: portal home, kamtibmas information and alerts (pages and API), the Open311 service list,
  the report form, a report filed with an idempotency key (now and then sent twice: the retry must
  answer 200 with the same tracking code), its tracking page, nearest stations, rarely an SOS.
- OperatorUser, an operator session: 110 calls (ring, answer, then close as an incident, as
  information or as a prank), direct incidents, the open list, one incident, the call queue.
- DispatcherUser, a dispatcher session: the open list, recommendations for a new incident, dispatch
  (an officer's unit first when one is among the top 3), then the unit's en route / on scene / cleared
  for the units without an officer of ours (the radio), the available units.
- OfficerUser, a patrol session riding its own unit: the officer view, position fixes, polls of its
  unit, and the status steps of its own assignment.
Each request is named by role and operation; no retries, every unexpected status is a failure named by
its status and error code. Outcomes that are right but not a success of the operation (a unit taken by
another dispatcher meanwhile, an incident cleared by another dispatcher since the list was read, no unit
to recommend) are counted apart and written to the file named by
the config's "expected_path" when locust stops.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from collections import Counter

from locust import FastHttpUser, between, events, task

CFG = json.load(open(os.environ["SIAGA_BENCH_CONFIG"]))  # noqa: SIM115 (read once at import)
EXPECTED: Counter = Counter()
_seq = {k: itertools.count() for k in ("citizen", "operator", "dispatcher", "officer")}
ACTIVE = ("dispatched", "en_route", "on_scene")
NEXT_UNIT_STATUS = {"dispatched": "en_route", "en_route": "on_scene", "on_scene": "cleared"}
OFFICER_UNITS = {o["unit"] for o in CFG["officers"]}


@events.quitting.add_listener
def _write_expected(environment, **_kw):
    if CFG.get("expected_path"):
        with open(CFG["expected_path"], "w") as f:
            json.dump(dict(EXPECTED), f)


def _cause(r) -> str:
    """`<status> <error code>` of a failed response (the code of our JSON errors, else a short text)."""
    if not r.status_code:  # no answer at all: the connection failed or was cut
        return f"0 {type(r.error).__name__}: {r.error}"[:120]
    code = ""
    try:
        body = r.json()
        if isinstance(body, dict):
            code = str(body.get("code") or body.get("detail") or "")[:60]
    except Exception:
        code = " ".join((r.text or "").split())[:60]
    return f"{r.status_code} {code}".strip()


class _Base(FastHttpUser):
    abstract = True
    wait_time = between(CFG["wait_min"], CFG["wait_max"])
    role = ""

    def on_start(self):
        self.k = next(_seq[self.role])
        self.rng = random.Random(f"{self.role}-{self.k}")
        self.headers = {"Content-Type": "application/json", "Accept-Language": "en"}

    def call(self, method: str, path: str, name: str, ok=(200,), body=None, expected=(), **kw):
        """One request; a status in `ok` is a success; a cause (`<status> <error code>`) that starts with
        one of `expected` is counted apart; anything else is a failure. Returns (status, JSON or None)."""
        data = None if body is None else json.dumps(body)
        with self.client.request(
            method, path, data=data, headers=self.headers, name=name, catch_response=True, **kw
        ) as r:
            status = r.status_code
            if status in ok:
                r.success()
            elif any(_cause(r).startswith(e) for e in expected):
                r.success()
                EXPECTED[f"{name}: {_cause(r)}"] += 1
            else:
                r.failure(_cause(r))
                return status, None
            try:
                return status, r.json()
            except Exception:
                return status, None

    def point(self):
        return self.rng.choice(CFG["points"])


class _Staff(_Base):
    abstract = True

    def sign_in(self, session: str):
        self.headers = {
            "Cookie": f"sessionid={session}; csrftoken={CFG['csrf']}",
            "X-CSRFToken": CFG["csrf"],
            "Content-Type": "application/json",
            "Accept-Language": "en",
        }


# --- citizens -------------------------------------------------------------------------------------


class CitizenUser(_Base):
    weight = 12
    role = "citizen"

    def on_start(self):
        super().on_start()
        k = self.k + 1
        # one client per citizen, as the reverse proxy in front of Siaga reports it
        self.headers = {
            "X-Forwarded-For": f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
            "Accept-Language": "id",
        }
        self.device = f"soak-device-{k:06d}"
        self.codes: list[str] = []
        self.last_key = ""
        self.reports = 0
        self.sos = 0

    @task(4)
    def home(self):
        self.call("GET", "/", "citizen: GET / (portal home)")

    @task(2)
    def info_page(self):
        self.call("GET", "/info/", "citizen: GET /info/ (kamtibmas)")

    @task(1)
    def alerts_page(self):
        self.call("GET", "/peringatan/", "citizen: GET /peringatan/ (alerts)")

    @task(2)
    def alerts_api(self):
        self.call("GET", "/api/info/alerts", "citizen: GET /api/info/alerts")

    @task(1)
    def bulletins_api(self):
        self.call("GET", "/api/info/bulletins", "citizen: GET /api/info/bulletins")

    @task(1)
    def open311_services(self):
        self.call("GET", "/open311/v2/services.json", "citizen: GET /open311/v2/services.json")

    @task(1)
    def report_form(self):
        self.call("GET", "/lapor/", "citizen: GET /lapor/ (report form)")

    @task(2)
    def report(self):
        # a citizen files a few reports at most (the portal allows 5 per device per hour); now and then
        # the browser sends the last one again (a retry after a lost answer): same key, same code, 200
        if self.last_key and self.rng.random() < 0.15:
            self._submit(self.last_key, retry=True)
            return
        if self.reports >= CFG["reports_per_citizen"]:
            self.track()
            return
        self.reports += 1
        self._submit(uuid.uuid4().hex, retry=False)

    def _submit(self, key: str, retry: bool):
        lon, lat = self.point()
        form = {
            "key": key,
            "category": self.rng.choice(CFG["report_categories"]),
            "kind": "laporan",
            "description": "Laporan uji beban: ada kejadian di sekitar rumah.",
            "lat": f"{lat}",
            "lon": f"{lon}",
            "device": self.device,
            "without_identity": "1",
        }
        name = "citizen: POST /api/portal/reports" + (" (retry)" if retry else "")
        with self.client.post(
            "/api/portal/reports", data=form, headers=self.headers, name=name, catch_response=True
        ) as r:
            want = 200 if retry else 201
            if r.status_code != want:
                r.failure(_cause(r))
                return
            code = r.json().get("tracking_code", "")
            if retry and code not in self.codes:
                r.failure("retry answered another tracking code")
                return
            r.success()
            if not retry:
                self.codes.append(code)
                self.last_key = key

    @task(3)
    def track(self):
        code = self.rng.choice(self.codes or CFG["tracking_codes"])
        self.call("GET", f"/api/portal/track/{code}", "citizen: GET /api/portal/track/{code}")

    @task(1)
    def track_page(self):
        code = self.rng.choice(self.codes or CFG["tracking_codes"])
        self.call("GET", f"/lacak/{code}/", "citizen: GET /lacak/{code}/ (tracking page)")

    @task(1)
    def sos_or_stations(self):
        lon, lat = self.point()
        if self.sos < 1 and self.rng.random() < CFG["sos_chance"]:
            self.sos += 1
            key = uuid.uuid4().hex
            body = {"key": key, "lat": lat, "lon": lon, "accuracy": 12, "device": self.device}
            status, _ = self.call("POST", "/api/portal/sos", "citizen: POST /api/portal/sos", (201,), body)
            if status == 201:
                ping = {"lat": lat + 0.0002, "lon": lon, "accuracy": 10}
                self.call(
                    "POST",
                    f"/api/portal/sos/{key}/location",
                    "citizen: POST /api/portal/sos/{key}/location",
                    body=ping,
                )
            return
        self.call("GET", f"/api/portal/stations?lat={lat}&lon={lon}", "citizen: GET /api/portal/stations")


# --- operators ------------------------------------------------------------------------------------


class OperatorUser(_Staff):
    weight = 3
    role = "operator"

    def on_start(self):
        super().on_start()
        self.sign_in(CFG["operator_sessions"][self.k % len(CFG["operator_sessions"])])
        self.pending_call: int | None = None
        self.seen: list[int] = []

    @task(3)
    def call_flow(self):
        """A 110 call: ring + answer now, the close (with its disposition) on the operator's next turn."""
        if self.pending_call is None:
            number = f"0812{self.rng.randrange(10**8):08d}"
            body = {"caller_number": number, "call_id": uuid.uuid4().hex}
            status, call = self.call(
                "POST", "/api/cad/calls/ring", "operator: POST /api/cad/calls/ring", (201,), body
            )
            if status != 201:
                return
            status, _ = self.call(
                "POST", f"/api/cad/calls/{call['id']}/answer", "operator: POST /api/cad/calls/{id}/answer"
            )
            if status == 200:
                self.pending_call = call["id"]
            return
        call_id, self.pending_call = self.pending_call, None
        roll = self.rng.random()
        if roll < 0.7:
            lon, lat = self.point()
            body = {
                "disposition": "incident",
                "category": self.rng.choice(CFG["incident_categories"]),
                "priority": self.rng.choice([2, 3, 3, 4]),
                "summary": "soak: call",
                "lat": lat,
                "lon": lon,
            }
        elif roll < 0.9:
            body = {"disposition": "information", "notes": "asked for the SKCK office hours"}
        else:
            body = {"disposition": "prank"}
        self.call(
            "POST", f"/api/cad/calls/{call_id}/close", "operator: POST /api/cad/calls/{id}/close", body=body
        )

    @task(1)
    def create(self):
        lon, lat = self.point()
        body = {
            "category": self.rng.choice(CFG["incident_categories"]),
            "lon": lon,
            "lat": lat,
            "summary": "soak: walk-in (SPKT)",
        }
        self.call("POST", "/api/cad/incidents", "operator: POST /api/cad/incidents", (201,), body)

    @task(3)
    def list_open(self):
        status, page = self.call(
            "GET", "/api/cad/incidents?status=open", "operator: GET /api/cad/incidents?status=open"
        )
        if status == 200 and page:
            self.seen = [i["id"] for i in page["items"][:50]]

    @task(2)
    def open_one(self):
        if not self.seen:
            return self.list_open()
        iid = self.rng.choice(self.seen)
        self.call("GET", f"/api/cad/incidents/{iid}", "operator: GET /api/cad/incidents/{id}")

    @task(1)
    def queue(self):
        self.call("GET", "/api/cad/calls/queue", "operator: GET /api/cad/calls/queue")


# --- dispatchers ----------------------------------------------------------------------------------


class DispatcherUser(_Staff):
    weight = 2
    role = "dispatcher"

    def on_start(self):
        super().on_start()
        self.sign_in(CFG["dispatcher_sessions"][self.k % len(CFG["dispatcher_sessions"])])
        self.new: list[dict] = []
        self.in_flight: list[dict] = []  # {"unit": id, "status": unit status}, oldest first

    @task(5)
    def work(self):
        if self.in_flight and (self.rng.random() < 0.6 or not self.new):
            return self.advance()
        if not self.new:
            return self.list_open()
        self.dispatch()

    def dispatch(self):
        inc = self.new.pop(self.rng.randrange(len(self.new)))
        status, recs = self.call(
            "GET",
            f"/api/cad/incidents/{inc['id']}/recommendations",
            "dispatcher: GET /api/cad/incidents/{id}/recommendations",
        )
        if status != 200:
            return
        if not recs:
            EXPECTED["dispatcher: no unit to recommend"] += 1
            return
        top = recs[:3]
        pick = next((r for r in top if r["unit_id"] in OFFICER_UNITS), top[0])
        status, _ = self.call(
            "POST",
            f"/api/cad/incidents/{inc['id']}/dispatch",
            "dispatcher: POST /api/cad/incidents/{id}/dispatch",
            (201,),
            {"unit_id": pick["unit_id"]},
            # the unit was taken meanwhile (409), or the incident was dispatched and cleared by another
            # dispatcher since this one's list was read (400 illegal_transition): a stale board, refused
            expected=("409 unit_busy", "400 illegal_transition"),
        )
        if status == 201 and pick["unit_id"] not in OFFICER_UNITS:  # officers report their own steps
            self.in_flight.append({"unit": pick["unit_id"], "status": "dispatched"})

    def advance(self):
        """The radio: a unit without the officer app reports its next step, the dispatcher enters it."""
        a = self.in_flight[0]
        nxt = NEXT_UNIT_STATUS[a["status"]]
        lon, lat = self.point()
        status, _ = self.call(
            "POST",
            f"/api/cad/units/{a['unit']}/status",
            "dispatcher: POST /api/cad/units/{id}/status",
            body={"status": nxt} if nxt != "on_scene" else {"status": nxt, "lat": lat, "lon": lon},
        )
        if status != 200 or nxt == "cleared":
            self.in_flight.pop(0)
        else:
            a["status"] = nxt

    @task(2)
    def list_open(self):
        status, page = self.call(
            "GET", "/api/cad/incidents?status=open", "dispatcher: GET /api/cad/incidents?status=open"
        )
        if status == 200 and page:
            self.new = [i for i in page["items"] if i["status"] == "created"][:20]

    @task(1)
    def available_units(self):
        self.call("GET", "/api/cad/units?status=available", "dispatcher: GET /api/cad/units?status=available")


# --- officers -------------------------------------------------------------------------------------


class OfficerUser(_Staff):
    weight = 3
    role = "officer"

    def on_start(self):
        super().on_start()
        me = CFG["officers"][self.k % len(CFG["officers"])]
        self.sign_in(me["session"])
        self.unit = me["unit"]
        self.lon, self.lat = me["lon"], me["lat"]
        self.status, self.incident = "available", None
        self.view()

    def view(self):
        self.call("GET", f"/officer/?unit={self.unit}", "officer: GET /officer/ (officer view)")

    @task(1)
    def reload(self):
        self.view()

    @task(6)
    def position(self):
        # a short walk around the beat (about 30 m per fix)
        self.lon += self.rng.uniform(-0.0003, 0.0003)
        self.lat += self.rng.uniform(-0.0003, 0.0003)
        body = {"lat": round(self.lat, 6), "lon": round(self.lon, 6)}
        self.call(
            "POST",
            f"/api/cad/units/{self.unit}/position",
            "officer: POST /api/cad/units/{id}/position",
            body=body,
        )

    @task(3)
    def poll(self):
        status, u = self.call("GET", f"/api/cad/units/{self.unit}", "officer: GET /api/cad/units/{id}")
        if status == 200 and u:
            self.status, self.incident = u["status"], u.get("incident_id")
        if self.status in ACTIVE and self.rng.random() < 0.7:
            self.step()

    def step(self):
        nxt = NEXT_UNIT_STATUS[self.status]
        body = {"status": nxt, "lat": round(self.lat, 6), "lon": round(self.lon, 6)}
        status, u = self.call(
            "POST",
            f"/api/cad/units/{self.unit}/status",
            "officer: POST /api/cad/units/{id}/status",
            body=body,
        )
        if status == 200 and u:
            self.status = u["status"]
