"""The live demo: keeps a shift going in the demo Polres so the operations room is alive when a newcomer
opens it.

Calls ring at a realistic rate (most of them pranks, answered and closed as prank after a short talk);
some become information / referral calls, the rest incidents at a random RT of the Polres. Two in three of
those incidents are handled by automatic units: the top recommendation that no human officer crews is
dispatched, turns out, drives along a plausible street-grid path at its kind's speed (position fixes
every step), arrives on scene, clears after a while, and the incident is closed. One in three is left
for the human dispatcher (after `human_wait_s` unanswered by a human, a "supervisor" takes it, so the board
never fills up). Units a human dispatches are driven too, unless their crew has a login (a real
officer's phone does that).

Every write goes through the cad services (intake / incidents / dispatching) acting as a system user of
the Polres, so it is audited and pushed like any other. `LiveDemo.step(now)` advances the simulation and
is all the tests call; `run()` loops it (the `siaga ops live` command), `start_in_loop()` runs it as a task
on the web server's event loop (for `siaga run` with SIAGA_LIVE_DEMO), `start_thread()` in a thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import math
import random
import secrets
import threading
from dataclasses import dataclass, field

from django.db import close_old_connections
from django.utils import timezone

from siaga.core.context import acting
from siaga.core.errors import ServiceError

from . import dispatching, incidents, intake
from .categories import CATEGORIES
from .models import Assignment, Call, CallStatus, Incident, IncidentStatus, Unit, UnitStatus
from .routing import RUSH_HOURS, SPEEDS_KMH

log = logging.getLogger(__name__)
SYSTEM_USERNAME = "siaga.live"
KEY_PREFIX = "live-"


@dataclass(frozen=True)
class Params:
    """Rates and delays (seconds of simulated time). `speed` > 1 compresses every delay and multiplies
    the call rate, for a busier room; timestamps stay real."""

    calls_per_hour: float = 40.0  # 110 calls reaching the Polres desk
    prank_share: float = 0.85  # Polri reports most 110 calls as pranks / silent / misdials
    information_share: float = 0.25  # of the valid calls: information given
    referred_share: float = 0.05  # of the valid calls: referred elsewhere
    human_share: float = 1 / 3  # of the incidents: left for the human dispatcher
    slow_answer_share: float = 0.05  # calls left ringing long enough to show overdue / escalation
    answer_s: tuple[float, float] = (3, 8)
    slow_answer_s: tuple[float, float] = (12, 45)
    prank_talk_s: tuple[float, float] = (8, 30)
    valid_talk_s: tuple[float, float] = (30, 75)
    dispatch_s: tuple[float, float] = (10, 40)
    turnout_s: tuple[float, float] = (15, 60)
    on_scene_s: tuple[float, float] = (300, 1200)
    close_s: tuple[float, float] = (60, 240)
    human_wait_s: float = 900
    max_open: int = 30  # no new incident while this many are open
    prank_numbers: int = 25  # a pool of repeat prank callers (their history shows it)
    speed: float = 1.0
    max_step_s: float = 60.0  # a long pause is not replayed as a burst


@dataclass
class CallPlan:
    call_id: int
    kind: str  # prank | information | referred | incident
    answer_at: dt.datetime
    end_at: dt.datetime | None = None


@dataclass
class IncidentPlan:
    incident_id: int
    human: bool
    dispatch_at: dt.datetime | None
    close_at: dt.datetime | None = None
    tries: int = 0
    walk_at: dt.datetime | None = None  # an open incident with no unit (e.g. the demo's snapshot): step it on


@dataclass
class Job:
    unit_id: int
    incident_id: int
    phase: str  # dispatched | en_route | on_scene
    due: dt.datetime
    path: list[tuple[float, float]] = field(default_factory=list)  # (lat, lon) waypoints
    done_m: float = 0.0


def leg_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lat, lon) points (equirectangular: exact enough inside a city)."""
    k = math.cos(math.radians((a[0] + b[0]) / 2))
    return 6_371_008.8 * math.hypot(math.radians(b[0] - a[0]), math.radians(b[1] - a[1]) * k)


def street_path(
    start: tuple[float, float], end: tuple[float, float], rng: random.Random
) -> list[tuple[float, float]]:
    """A plausible route on a street grid: north-south, east-west, north-south again (a bend at a
    random fraction of the way), so units do not fly through blocks in a straight line."""
    f = rng.uniform(0.3, 0.7)
    mid_lat = start[0] + (end[0] - start[0]) * f
    return [start, (mid_lat, start[1]), (mid_lat, end[1]), end]


def along(path: list[tuple[float, float]], metres: float) -> tuple[tuple[float, float], bool]:
    """The point `metres` along the path, and whether that is its end."""
    left = max(0.0, metres)
    for a, b in itertools.pairwise(path):
        d = leg_m(a, b)
        if left <= d and d > 0:
            t = left / d
            return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), False
        left -= d
    return path[-1], True


def path_length(path: list[tuple[float, float]]) -> float:
    return sum(leg_m(a, b) for a, b in itertools.pairwise(path))


def speed_ms(kind: str, hour: int) -> float:
    free, rush = SPEEDS_KMH.get(kind, (30.0, 15.0))
    return (rush if hour in RUSH_HOURS else free) / 3.6


def system_user(polres):
    """The Polres's live-demo account: a dispatcher scoped to the Polres, with a password nobody knows."""
    from siaga.accounts.models import User
    from siaga.accounts.services import create_user

    name = f"{SYSTEM_USERNAME}.{polres.code.lower()}"
    user = User.objects.filter(username=name).first()
    if user is None:
        with acting(None, "live-demo-setup"):
            user = create_user(
                name,
                secrets.token_urlsafe(32),
                "dispatcher",
                polres=polres,
                first_name="Live",
                last_name="demo",
                validate=False,
            )
    return user


class LiveDemo:
    def __init__(self, polres, *, params: Params | None = None, seed: int | None = None, user=None):
        self.polres = polres
        self.p = params or Params()
        self.rng = random.Random(seed)
        self.user = user or system_user(polres)
        self.calls: dict[int, CallPlan] = {}
        self.plans: dict[int, IncidentPlan] = {}
        self.jobs: dict[int, Job] = {}
        self.last: dt.datetime | None = None
        self.orphans_checked = False
        self.serial = 0
        self.stats: dict[str, int] = {}
        self.places = self._places()
        self.prank_pool = [
            f"08{self.rng.randint(11, 99)}{self.rng.randint(10_000_000, 99_999_999)}"
            for _ in range(self.p.prank_numbers)
        ]
        self.weights = [
            (c, (c.weight or 0.5) * (3 if c.group in ("traffic", "disturbance") else 1))
            for c in CATEGORIES
            if c.group not in ("prank", "information")
        ]

    # --- setup ------------------------------------------------------------------------------------

    def _places(self) -> list[tuple[str, int | None, int | None]]:
        """RT (kelurahan code, RW, RT) of the Polres, else its kelurahan: where incidents happen."""
        from siaga.territory.models import Level, Region, Rt

        prefix = f"{self.polres.region_id}."
        rts = list(
            Rt.objects.filter(kelurahan__code__startswith=prefix, centroid_lat__isnull=False)
            .order_by("pk")
            .values_list("kelurahan_id", "rw_number", "number")
        )
        if rts:
            return rts
        kel = Region.objects.filter(
            level=Level.KELURAHAN, code__startswith=prefix, centroid_lat__isnull=False
        )
        return [(c, None, None) for c in kel.order_by("code").values_list("code", flat=True)]

    def _human_units(self) -> set[int]:
        """Units whose crew includes someone with a login: their officer moves them, not the demo."""
        return set(
            Unit.objects.filter(polres=self.polres, crew__user__isnull=False).values_list("pk", flat=True)
        )

    # --- helpers ----------------------------------------------------------------------------------

    def _later(self, now: dt.datetime, span: tuple[float, float]) -> dt.datetime:
        return now + dt.timedelta(seconds=self.rng.uniform(*span) / self.p.speed)

    def _count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    def _try(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ServiceError as e:  # someone (a human) got there first, or the unit is busy: skip
            self._count(f"skipped_{what}")
            log.info("live demo: %s skipped: %s", what, e)
            return None

    # --- the simulation ---------------------------------------------------------------------------

    def step(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Advance the shift to `now`: ring, answer, close, create, dispatch, move, clear, close."""
        now = now or timezone.now()
        before = dict(self.stats)
        with acting(self.user, "live-demo"):
            elapsed = 0.0 if self.last is None else (now - self.last).total_seconds()
            self.last = now
            if not self.orphans_checked:
                self._adopt_orphans(now)
            self._ring(now, min(max(elapsed, 0.0), self.p.max_step_s))
            intake.escalate_overdue(now)
            self._advance_calls(now)
            self._advance_incidents(now)
            self._adopt(now)
            self._advance_jobs(now)
        return {k: v - before.get(k, 0) for k, v in self.stats.items() if v != before.get(k, 0)}

    def _ring(self, now: dt.datetime, elapsed: float) -> None:
        lam = self.p.calls_per_hour * self.p.speed * elapsed / 3600
        n = self._poisson(lam)
        for _ in range(n):
            prank = self.rng.random() < self.p.prank_share
            if prank:
                kind = "prank"
                number = self.rng.choice(self.prank_pool) if self.rng.random() < 0.6 else self._number()
            else:
                r = self.rng.random()
                kind = (
                    "information"
                    if r < self.p.information_share
                    else "referred"
                    if r < self.p.information_share + self.p.referred_share
                    else "incident"
                )
                number = self._number()
            self.serial += 1
            key = f"{KEY_PREFIX}{now:%Y%m%d%H%M%S}-{self.serial}-{self.rng.randrange(1 << 30):x}"
            call = intake.ring(self.polres, number, call_id=key, at=now)
            slow = self.rng.random() < self.p.slow_answer_share
            answer_at = self._later(now, self.p.slow_answer_s if slow else self.p.answer_s)
            self.calls[call.pk] = CallPlan(call.pk, kind, answer_at)
            self._count("calls")
            self._count(f"calls_{kind}")

    def _poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        limit, k, prod = math.exp(-lam), 0, self.rng.random()
        while prod > limit:
            k += 1
            prod *= self.rng.random()
        return k

    def _number(self) -> str:
        return f"08{self.rng.randint(11, 99)}{self.rng.randint(10_000_000, 99_999_999)}"

    def _advance_calls(self, now: dt.datetime) -> None:
        for pk, plan in sorted(self.calls.items()):
            call = Call.objects.filter(pk=pk).first()
            if (
                call is None
                or call.status == CallStatus.ENDED
                or (call.status == CallStatus.ANSWERED and call.operator_id != self.user.pk)
            ):
                del self.calls[pk]  # a human took it (or it ended): theirs now
                continue
            if call.status == CallStatus.RINGING:
                if plan.answer_at <= now and self._try("answer", intake.answer, self.user, call, at=now):
                    talk = self.p.prank_talk_s if plan.kind == "prank" else self.p.valid_talk_s
                    plan.end_at = self._later(now, talk)
                    self._count("answered")
                continue
            if plan.end_at is None or plan.end_at > now:
                continue
            del self.calls[pk]
            if plan.kind == "incident" and self._open_count() >= self.p.max_open:
                plan.kind = "information"
            if plan.kind == "incident":
                self._create_incident(call, now)
            else:
                self._try("close", intake.close_call, self.user, call, plan.kind, at=now)
                self._count(f"closed_{plan.kind}")

    def _open_count(self) -> int:
        return Incident.objects.filter(polres=self.polres).exclude(status=IncidentStatus.CLOSED).count()

    def _create_incident(self, call: Call, now: dt.datetime) -> None:
        cats = [c for c, _w in self.weights]
        cat = self.rng.choices(cats, weights=[w for _c, w in self.weights])[0]
        kel, rw, rt = self.rng.choice(self.places)
        i = self._try(
            "create",
            incidents.create_incident,
            self.user,
            category=cat.code,
            priority=cat.default_priority,
            kelurahan_code=kel,
            rw=rw,
            rt=rt,
            summary=f"{cat.label} (demo)",
            call=call,
            idempotency_key=f"{KEY_PREFIX}call-{call.pk}",
            at=now,
        )
        if i is None:
            return
        self._try("close", intake.close_call, self.user, call, "incident", incident=i, at=now)
        human = self.rng.random() < self.p.human_share
        wait = self.p.human_wait_s / self.p.speed if human else None
        self.plans[i.pk] = IncidentPlan(
            i.pk,
            human,
            now + dt.timedelta(seconds=wait) if human else self._later(now, self.p.dispatch_s),
        )
        self._count("incidents")
        self._count("incidents_human" if human else "incidents_auto")

    def _adopt_orphans(self, now: dt.datetime) -> None:
        """Open incidents the demo builder left (a snapshot of the shift in progress, without units):
        new ones wait for a dispatch like any other, the rest move on one status at a time."""
        self.orphans_checked = True
        busy = set(Assignment.objects.filter(active=True).values_list("incident_id", flat=True))
        rows = (
            Incident.objects.filter(polres=self.polres, duplicate_of__isnull=True)
            .exclude(status=IncidentStatus.CLOSED)
            .exclude(pk__in=busy)
            .values_list("pk", "status")
        )
        for pk, status in rows:
            if status == IncidentStatus.CREATED:
                human = self.rng.random() < self.p.human_share
                wait = (self.p.human_wait_s / self.p.speed) if human else self.rng.uniform(*self.p.dispatch_s)
                self.plans[pk] = IncidentPlan(pk, human, now + dt.timedelta(seconds=wait))
            else:
                self.plans[pk] = IncidentPlan(pk, True, None, walk_at=self._later(now, (30, 300)))
            self._count("orphans")

    WALK = {
        IncidentStatus.DISPATCHED: IncidentStatus.EN_ROUTE,
        IncidentStatus.EN_ROUTE: IncidentStatus.ON_SCENE,
        IncidentStatus.ON_SCENE: IncidentStatus.CLEARED,
        IncidentStatus.CLEARED: IncidentStatus.CLOSED,
    }

    def _walk(self, i: Incident, plan: IncidentPlan, now: dt.datetime) -> None:
        to = self.WALK.get(i.status)
        if to is None or Assignment.objects.filter(incident=i, active=True).exists():
            plan.walk_at = None  # a unit is on it now: the jobs take it from here
            return
        if self._try("walk", incidents.transition, self.user, i, to, i.version, at=now):
            self._count("walked")
        span = self.p.on_scene_s if to == IncidentStatus.ON_SCENE else self.p.close_s
        plan.walk_at = self._later(now, span) if to != IncidentStatus.CLOSED else None

    def _advance_incidents(self, now: dt.datetime) -> None:
        human_units = None
        for pk, plan in sorted(self.plans.items()):
            i = Incident.objects.filter(pk=pk).first()
            if i is None:
                del self.plans[pk]
                continue
            if i.status == IncidentStatus.CLOSED:
                del self.plans[pk]
                continue
            if plan.walk_at is not None:
                if plan.walk_at <= now:
                    self._walk(i, plan, now)
                continue
            if plan.close_at is not None:
                if plan.close_at <= now and i.status == IncidentStatus.CLEARED:
                    if self._try(
                        "close_incident", incidents.transition, self.user, i, "closed", i.version, at=now
                    ):
                        self._count("incidents_closed")
                    del self.plans[pk]
                continue
            if i.status != IncidentStatus.CREATED:
                if plan.human and i.status in (IncidentStatus.CLEARED,):
                    plan.close_at = self._later(now, self.p.close_s)
                continue  # dispatched by a human (or already moving): the jobs take it from here
            if plan.dispatch_at is None or plan.dispatch_at > now:
                continue
            if human_units is None:
                human_units = self._human_units()
            recs = self._try("recommend", dispatching.recommend, self.user, i, limit=10, now=now) or []
            unit_id = next((r.unit_id for r in recs if r.unit_id not in human_units), None)
            if unit_id is None:
                plan.tries += 1
                plan.dispatch_at = now + dt.timedelta(seconds=30 / self.p.speed)
                continue
            a = self._try("dispatch", dispatching.dispatch, self.user, i, unit_id, version=i.version, at=now)
            if a is None:
                plan.dispatch_at = now + dt.timedelta(seconds=10 / self.p.speed)
                continue
            self._count("dispatched_human_wait" if plan.human else "dispatched")
            self._job(a, now)

    def _job(self, a: Assignment, now: dt.datetime) -> None:
        self.jobs[a.unit_id] = Job(a.unit_id, a.incident_id, "dispatched", self._later(now, self.p.turnout_s))

    def _adopt(self, now: dt.datetime) -> None:
        """Units someone else dispatched (a human in the room) are driven too, unless a human crews them."""
        active = Assignment.objects.filter(active=True, unit__polres=self.polres).exclude(
            unit_id__in=list(self.jobs)
        )
        rows = list(active.values_list("pk", "unit_id", "incident_id", "unit__status"))
        if not rows:
            return
        human_units = self._human_units()
        for _pk, unit_id, incident_id, status in rows:
            if unit_id in human_units or status != UnitStatus.DISPATCHED:
                continue
            self.jobs[unit_id] = Job(unit_id, incident_id, "dispatched", self._later(now, self.p.turnout_s))
            if incident_id not in self.plans:
                self.plans[incident_id] = IncidentPlan(incident_id, True, None)
            self._count("adopted")

    def _advance_jobs(self, now: dt.datetime) -> None:
        hour = dispatching.local_hour(self.polres, now)
        for unit_id, job in sorted(self.jobs.items()):
            u = Unit.objects.filter(pk=unit_id).first()
            a = Assignment.objects.filter(unit_id=unit_id, incident_id=job.incident_id, active=True).first()
            if u is None or a is None:  # cleared elsewhere (a human, or the incident was closed)
                del self.jobs[unit_id]
                continue
            i = Incident.objects.get(pk=job.incident_id)
            if job.phase == "dispatched" and job.due <= now:
                if self._try("en_route", dispatching.set_unit_status, self.user, u, "en_route", at=now):
                    start = (u.lat, u.lon) if u.lat is not None else (i.lat, i.lon)
                    job.path = street_path(start, (i.lat, i.lon), self.rng)
                    job.phase = "en_route"
                    job.due = now
                    self._count("en_route")
            elif job.phase == "en_route":
                job.done_m += (
                    speed_ms(u.kind, hour) * self.p.speed * max(0.0, (now - job.due).total_seconds())
                )
                job.due = now
                (lat, lon), arrived = along(job.path, job.done_m)
                self._try("position", dispatching.update_position, u, lat, lon, now)
                if arrived and self._try(
                    "on_scene", dispatching.set_unit_status, self.user, u, "on_scene", lat, lon, at=now
                ):
                    job.phase = "on_scene"
                    job.due = self._later(now, self.p.on_scene_s)
                    self._count("on_scene")
            elif job.phase == "on_scene" and job.due <= now:
                if self._try("cleared", dispatching.set_unit_status, self.user, u, "cleared", at=now):
                    self._count("cleared")
                    plan = self.plans.get(job.incident_id)
                    if plan is not None:
                        plan.close_at = self._later(now, self.p.close_s)
                del self.jobs[unit_id]


# --- running it -----------------------------------------------------------------------------------


def demo_polres():
    from siaga.demo.build import demo_polres as find

    return find()


def run(
    polres=None,
    *,
    interval: float = 2.0,
    minutes: float | None = None,
    params: Params | None = None,
    stop: threading.Event | None = None,
    seed: int | None = None,
    report=None,
) -> dict[str, int]:
    """Step the demo every `interval` seconds until `stop` is set or `minutes` have passed."""
    polres = polres or demo_polres()
    if polres is None:
        raise RuntimeError("No demo Polres: run `siaga demo --no-serve` first.")
    sim = LiveDemo(polres, params=params, seed=seed)
    stop = stop or threading.Event()
    end = None if minutes is None else timezone.now() + dt.timedelta(minutes=minutes)
    while not stop.is_set() and (end is None or timezone.now() < end):
        try:
            done = sim.step(timezone.now())
            if report and done:
                report(done)
        except Exception:  # the demo must never take the server down
            log.exception("live demo step failed")
        finally:
            close_old_connections()
        stop.wait(interval)
    return sim.stats


def start_thread(polres=None, **kwargs) -> threading.Thread | None:
    """The demo in a daemon thread (for a process whose channel layer is Redis, or the CLI)."""
    polres = polres or demo_polres()
    if polres is None:
        return None
    t = threading.Thread(target=run, args=(polres,), kwargs=kwargs, name="siaga-live-demo", daemon=True)
    t.start()
    return t


def start_in_loop(polres=None, *, interval: float = 2.0, params: Params | None = None) -> asyncio.Task:
    """The demo as a task on the running event loop (the web server's): each step runs in a worker
    thread via sync_to_async, so the events it publishes reach the in-memory channel layer on this loop.
    Call it from inside the loop (e.g. an `async def` that then awaits uvicorn's `server.serve()`)."""
    from asgiref.sync import sync_to_async

    async def loop():
        target = polres or await sync_to_async(demo_polres, thread_sensitive=False)()
        if target is None:
            log.warning("SIAGA_LIVE_DEMO is on but there is no demo Polres: the live demo does not run.")
            return
        sim = await sync_to_async(LiveDemo, thread_sensitive=False)(target, params=params)

        def one():
            try:
                sim.step(timezone.now())
            except Exception:
                log.exception("live demo step failed")
            finally:
                close_old_connections()

        while True:
            await sync_to_async(one, thread_sensitive=False)()
            await asyncio.sleep(interval)

    return asyncio.get_running_loop().create_task(loop(), name="siaga-live-demo")
