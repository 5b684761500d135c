"""Risk classes aman / waspada / rawan per area (RT, RW, kelurahan, kecamatan, Polsek area) per ISO week.

score = incidents + problems + predicted, each stored as a component (the "why"):
- incidents: severity-weighted incidents of the last `window_weeks` weeks as a rate per exposure
  (population, else area), shrunk toward the level's mean by a Poisson-gamma empirical Bayes model
  (Clayton & Kaldor 1987, method-of-moments prior), expressed relative to that mean (1 = average) and
  multiplied by the weight. A tiny area with one incident stays near the mean; a big area with many
  does not.
- problems: the open problems of the mapping register in the area, PG / AG / GN weighted.
- predicted: next week's expected incidents from an analytics.predict method on a 150 m grid, summed to
  the area through the cells' centres, shrunk and made relative the same way, times its weight.

The class by thresholds alone is `raw_class`; `risk_class` changes only after `confirm_weeks`
consecutive weeks of the new class (and, with `margin`, only when the score clears the threshold by
that margin), so one spike does not flip an area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from siaga.core.errors import Invalid

from .models import AreaLevel, RiskClass, RiskConfig, RiskSnapshot, ThresholdMode

DEFAULT_WEIGHTS = {
    "incidents": 1.0,
    "predicted": 0.5,
    # Severity per priority: P1 emergency counts three routine calls.
    "priority": {"1": 3.0, "2": 2.0, "3": 1.0, "4": 0.5},
    # Per category multiplier on top of the priority (1.0 when absent).
    "category": {},
    # Open problems by level: PG potential, AG threshold, GN actual disturbance.
    "problem": {"PG": 0.25, "AG": 0.75, "GN": 1.5},
    "window_weeks": 12,
    "method": "recent_kde",
}
ORDER = [RiskClass.AMAN, RiskClass.WASPADA, RiskClass.RAWAN]
LEVELS = [AreaLevel.RT, AreaLevel.RW, AreaLevel.KELURAHAN, AreaLevel.KECAMATAN, AreaLevel.POLSEK]


def weights_of(config: RiskConfig | None) -> dict:
    w = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_WEIGHTS.items()}
    for k, v in ((config.weights if config else None) or {}).items():
        if isinstance(v, dict) and isinstance(w.get(k), dict):
            w[k].update(v)
        else:
            w[k] = v
    return w


# --- the mathematics (pure functions) -------------------------------------------------------------


def shrink(counts, exposure) -> tuple[np.ndarray, dict]:
    """Poisson-gamma empirical Bayes: relative rates (1 = the mean) shrunk toward 1 by exposure.

    y_i ~ Poisson(E_i * lambda_i), lambda_i ~ Gamma(alpha, beta); moments give
    m = sum y / sum E and s2 = sum E (y/E - m)^2 / sum E - m / mean E; posterior mean
    (y_i + alpha) / (E_i + beta) with alpha = m^2/s2, beta = m/s2. When s2 <= 0 all areas get m.
    """
    y = np.asarray(counts, dtype=float)
    e = np.asarray(exposure, dtype=float)
    if y.size == 0:
        return y, {"mean": 0.0, "alpha": 0.0, "beta": 0.0}
    e = np.where(e > 0, e, 1e-9)
    m = y.sum() / e.sum()
    if m <= 0:
        return np.ones_like(y), {"mean": 0.0, "alpha": 0.0, "beta": 0.0}
    s2 = float((e * (y / e - m) ** 2).sum() / e.sum() - m / e.mean())
    if s2 <= 1e-12:
        return np.ones_like(y), {"mean": float(m), "alpha": None, "beta": None}  # full pooling
    alpha, beta = m * m / s2, m / s2
    post = (y + alpha) / (e + beta)
    return post / m, {"mean": float(m), "alpha": float(alpha), "beta": float(beta)}


def thresholds_for(scores, config: RiskConfig | None) -> dict:
    """Score thresholds of one level: the configured values, or the configured percentiles of the scores."""
    mode = config.mode if config else ThresholdMode.ABSOLUTE
    w = config.waspada if config else 2.0
    r = config.rawan if config else 3.5
    out = {"mode": mode, "confirm_weeks": config.confirm_weeks if config else 2}
    out["margin"] = config.margin if config else 0.0
    if mode == ThresholdMode.PERCENTILE and len(scores):
        out["waspada"], out["rawan"] = (float(np.percentile(scores, p)) for p in (w, r))
        out["percentiles"] = [w, r]
    else:
        out["waspada"], out["rawan"] = float(w), float(r)
    return out


def classify(score: float, th: dict) -> str:
    if score >= th["rawan"]:
        return RiskClass.RAWAN
    if score >= th["waspada"]:
        return RiskClass.WASPADA
    return RiskClass.AMAN


def _clears(score: float, new: str, old: str, th: dict) -> bool:
    """With a margin, a move up must exceed the new class's threshold by it, a move down fall below by it."""
    margin = th.get("margin") or 0.0
    if not margin:
        return True
    up = ORDER.index(new) > ORDER.index(old)
    if up:
        return score >= th[new] + margin
    bound = th[ORDER[ORDER.index(new) + 1]]  # the threshold of the class above the new one
    return score < bound - margin


@dataclass
class Step:
    risk_class: str
    pending_class: str = ""
    pending_weeks: int = 0


def hysteresis(raw: str, score: float, th: dict, previous: Step | None) -> Step:
    """The class after this week's evidence given last week's state."""
    if previous is None:
        return Step(raw)
    if raw == previous.risk_class or not _clears(score, raw, previous.risk_class, th):
        return Step(previous.risk_class)
    weeks = previous.pending_weeks + 1 if previous.pending_class == raw else 1
    if weeks >= max(int(th.get("confirm_weeks") or 1), 1):
        return Step(raw)
    return Step(previous.risk_class, raw, weeks)


# --- gathering the inputs -------------------------------------------------------------------------


@dataclass
class Area:
    level: str
    key: str
    name: str
    kelurahan_code: str = ""
    polsek_id: int | None = None
    population: float | None = None
    area_km2: float | None = None
    incidents: float = 0.0
    incident_count: int = 0
    predicted: float = 0.0
    problems: dict = field(default_factory=lambda: {"PG": 0, "AG": 0, "GN": 0})


def week_start(value: str | dt.date | None, now: dt.datetime | None = None) -> dt.date:
    """Monday of an ISO week given as YYYY-Www (or a date); the current week when None."""
    if value is None:
        d = timezone.localdate(now) if now else timezone.localdate()
        return d - dt.timedelta(days=d.weekday())
    if isinstance(value, dt.date):
        return value - dt.timedelta(days=value.weekday())
    try:
        year, wk = str(value).upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(wk), 1)
    except (ValueError, TypeError):
        raise Invalid(f"{value!r} is not an ISO week (YYYY-Www)", field="week") from None


def _areas(polres) -> dict[tuple[str, str], Area]:
    from siaga.territory.models import Level, Polsek, Region, Rt, Rw
    from siaga.territory.selectors import _effective_kelurahan

    kecs = list(Region.objects.filter(parent_id=polres.region_id, level=Level.KECAMATAN).defer("geometry"))
    kels = list(Region.objects.filter(parent__in=kecs, level=Level.KELURAHAN).defer("geometry"))
    polseks = list(Polsek.objects.filter(polres=polres))
    polsek_of: dict[str, int] = {}
    for pid, codes in _effective_kelurahan([p.pk for p in polseks]).items():
        for c in codes:
            polsek_of[c] = pid
    out: dict[tuple[str, str], Area] = {}

    def km2(obj):
        return obj.area_m2 / 1e6 if obj.area_m2 else None

    for r in kecs:
        out[("kecamatan", r.code)] = Area("kecamatan", r.code, r.name, "", None, r.population, km2(r))
    for r in kels:
        out[("kelurahan", r.code)] = Area(
            "kelurahan", r.code, r.name, r.code, polsek_of.get(r.code), r.population, km2(r)
        )
    kel_name = {r.code: r.name for r in kels}
    for rw in Rw.objects.filter(kelurahan__in=kels).defer("geometry"):
        out[("rw", rw.key)] = Area(
            "rw", rw.key, f"RW {rw.number:03d} {kel_name[rw.kelurahan_id]}", rw.kelurahan_id,
            polsek_of.get(rw.kelurahan_id), None, km2(rw),
        )  # fmt: skip
    for rt in Rt.objects.filter(kelurahan__in=kels).defer("geometry"):
        a = Area(
            "rt", rt.key, f"RT {rt.number:03d}/RW {rt.rw_number:03d} {kel_name[rt.kelurahan_id]}",
            rt.kelurahan_id, polsek_of.get(rt.kelurahan_id), rt.population, km2(rt),
        )  # fmt: skip
        out[("rt", rt.key)] = a
        rw = out.get(("rw", f"{rt.kelurahan_id}/{rt.rw_number:03d}"))
        if rw is not None and rt.population:
            rw.population = (rw.population or 0) + rt.population
    for p in polseks:
        out[("polsek", p.code)] = Area("polsek", p.code, p.name, "", p.pk)
    kec_of = {r.code: r.parent_id for r in kels}
    for r in kels:  # Polsek areas: the sums of their kelurahan
        pid = polsek_of.get(r.code)
        pa = next((a for (lv, _), a in out.items() if lv == "polsek" and a.polsek_id == pid), None)
        if pa is not None:
            pa.population = (pa.population or 0) + (r.population or 0) or None
            pa.area_km2 = (pa.area_km2 or 0) + (km2(r) or 0) or None
    for (lv, _), a in out.items():  # kecamatan inherits the Polsek when all its kelurahan share one
        if lv == "kecamatan":
            ps = {polsek_of.get(c) for c, k in kec_of.items() if k == a.key}
            a.polsek_id = ps.pop() if len(ps) == 1 else None
    return out


def _keys(kec: str, kel: str, rw, rt, polsek_code: str | None) -> list[tuple[str, str]]:
    keys = []
    if kec:
        keys.append(("kecamatan", kec))
    if kel:
        keys.append(("kelurahan", kel))
        if rw:
            keys.append(("rw", f"{kel}/{int(rw):03d}"))
            if rt:
                keys.append(("rt", f"{kel}/{int(rw):03d}/{int(rt):03d}"))
    if polsek_code:
        keys.append(("polsek", polsek_code))
    return keys


def _incidents(polres, start: dt.datetime, end: dt.datetime, areas, w: dict) -> list:
    from siaga.cad.models import Incident

    polsek_code = {a.polsek_id: a.key for (lv, _), a in areas.items() if lv == "polsek"}
    rows = Incident.objects.filter(polres=polres, received_at__lt=end, duplicate_of__isnull=True).values_list(
        "received_at", "category", "priority", "lat", "lon", "kecamatan_code", "kelurahan_code", "rw", "rt",
        "polsek_id",
    )  # fmt: skip
    history = []
    for at, cat, prio, lat, lon, kec, kel, rw, rt, pid in rows.iterator():
        history.append((at, cat, lat, lon))
        if at < start:
            continue
        sev = float(w["priority"].get(str(prio), 1.0)) * float(w["category"].get(cat, 1.0))
        for k in _keys(kec, kel, rw, rt, polsek_code.get(pid)):
            a = areas.get(k)
            if a is not None:
                a.incidents += sev
                a.incident_count += 1
    return history


def open_problems(polres) -> list[tuple[str, str, str, int | None]]:
    """(kelurahan code, rt key, level, polsek id) of open or monitored problems; empty
    when the mapping app is not installed."""
    try:
        from django.apps import apps

        Problem = apps.get_model("mapping", "Problem")
    except LookupError:
        return []
    rows = Problem.objects.filter(polres=polres).exclude(status="resolved")
    return [(p.kelurahan_code, p.rt_key, p.level, p.polsek_id) for p in rows]


def _problems(polres, areas) -> None:
    from siaga.territory.models import Region

    kec_of = dict(Region.objects.filter(parent_id__isnull=False).values_list("code", "parent_id"))
    polsek_code = {a.polsek_id: a.key for (lv, _), a in areas.items() if lv == "polsek"}
    for kel, rt_key, level, pid in open_problems(polres):
        rw = rt = None
        if rt_key and rt_key.count("/") == 2:
            kel, rw, rt = rt_key.split("/")
        for k in _keys(kec_of.get(kel, "") if kel else "", kel, rw, rt, polsek_code.get(pid)):
            a = areas.get(k)
            if a is not None and level in a.problems:
                a.problems[level] += 1


def _predicted(polres, history, cutoff: dt.datetime, areas, method: str) -> str:
    """Add next week's expected incidents per area; returns the method used ('' when there is no data)."""
    from siaga.territory.lookup import locate_many

    from . import predict
    from .grid import Grid, Projection

    pts = [(at, cat, lat, lon) for at, cat, lat, lon in history if lat is not None and lon is not None]
    if len(pts) < 2 or method not in predict.METHODS:
        return ""
    proj = Projection(polres.utm_epsg)
    lon = np.array([p[3] for p in pts])
    lat = np.array([p[2] for p in pts])
    x, y = proj.forward(lon, lat)
    t = np.array([(cutoff - p[0]).total_seconds() / -86400.0 for p in pts])
    ev = predict.Events(x, y, t, np.array([p[1] for p in pts], dtype=object))
    grid = Grid.covering(x, y, 150.0, pad=300.0)
    surface = predict.METHODS[method](ev, 0.0, grid, 7.0)
    cx, cy = grid.centres()
    keep = surface > 0
    if not keep.any():
        return method
    clon, clat = proj.inverse(cx[keep], cy[keep])
    loc = locate_many(clon, clat)
    polsek_code = {a.polsek_id: a.key for (lv, _), a in areas.items() if lv == "polsek"}
    vals = surface[keep]
    for i in np.flatnonzero(loc.inside):
        kel = str(loc.kelurahan_code[i])
        keys = _keys(str(loc.kecamatan_code[i]), kel, int(loc.rw[i]), int(loc.rt[i]),
                     polsek_code.get(int(loc.polsek_id[i])))  # fmt: skip
        for k in keys:
            a = areas.get(k)
            if a is not None:
                a.predicted += float(vals[i])
    return method


def _exposure(items: list[Area]) -> tuple[np.ndarray, str]:
    """Population when most areas of the level have it, else area in km²; gaps filled with the median."""
    pops = [a.population for a in items if a.population]
    if items and len(pops) >= 0.8 * len(items):
        fill, unit, vals = float(np.median(pops)), "population", [a.population for a in items]
    else:
        kms = [a.area_km2 for a in items if a.area_km2]
        fill, unit, vals = (float(np.median(kms)) if kms else 1.0), "km2", [a.area_km2 for a in items]
    return np.array([v if v else fill for v in vals], dtype=float), unit


def score_areas(areas: dict, w: dict) -> dict[str, list[tuple[Area, dict, dict]]]:
    """Per level: (area, components, detail) with components summing to the score."""
    out = {}
    for level in LEVELS:
        items = [a for (lv, _), a in areas.items() if lv == level]
        if not items:
            continue
        exp, unit = _exposure(items)
        rr_inc, prior_inc = shrink([a.incidents for a in items], exp)
        rr_pred, prior_pred = shrink([a.predicted for a in items], exp)
        rows = []
        for i, a in enumerate(items):
            probs = sum(float(w["problem"].get(lv, 0.0)) * n for lv, n in a.problems.items())
            comp = {
                "incidents": round(float(w["incidents"]) * float(rr_inc[i]), 4),
                "problems": round(probs, 4),
                "predicted": round(float(w["predicted"]) * float(rr_pred[i]), 4),
            }
            detail = {
                "incidents_weighted": round(a.incidents, 3),
                "incident_count": a.incident_count,
                "exposure": round(float(exp[i]), 3),
                "exposure_unit": unit,
                "incidents_prior": prior_inc,
                "incidents_relative": round(float(rr_inc[i]), 4),
                "problems": dict(a.problems),
                "predicted_events": round(a.predicted, 4),
                "predicted_prior": prior_pred,
                "predicted_relative": round(float(rr_pred[i]), 4),
            }
            rows.append((a, comp, detail))
        out[level] = rows
    return out


# --- the service --------------------------------------------------------------------------------


def compute(actor, polres, week=None, *, now: dt.datetime | None = None) -> dict:
    """Compute and store the snapshots of every area of `polres` for the ISO week `week` (re-running a
    week replaces its snapshots). One audited event per run."""
    from siaga.core.context import acting
    from siaga.core.events import Event, publish

    now = now or timezone.now()
    monday = week_start(week, now)
    tz = timezone.get_current_timezone()
    end = timezone.make_aware(dt.datetime.combine(monday, dt.time()), tz)
    config = RiskConfig.objects.filter(polres=polres).first()
    w = weights_of(config)
    start = end - dt.timedelta(weeks=int(w["window_weeks"]))
    areas = _areas(polres)
    history = _incidents(polres, start, end, areas, w)
    _problems(polres, areas)
    method = _predicted(polres, history, end, areas, str(w["method"]))
    scored = score_areas(areas, w)
    counts: dict[str, int] = defaultdict(int)
    with acting(actor), transaction.atomic():
        RiskSnapshot.objects.filter(polres=polres, week=monday).delete()
        last = (
            RiskSnapshot.objects.filter(polres=polres, week__lt=monday)
            .order_by("-week")
            .values_list("week", flat=True)
            .first()
        )
        prev = {
            (lv, key): Step(c, pc, pw)
            for lv, key, c, pc, pw in RiskSnapshot.objects.filter(polres=polres, week=last).values_list(
                "level", "key", "risk_class", "pending_class", "pending_weeks"
            )
        }
        new = []
        for level, rows in scored.items():
            th = thresholds_for([sum(c.values()) for _, c, _ in rows], config)
            th["method"] = method
            for a, comp, detail in rows:
                score = round(sum(comp.values()), 4)
                raw = classify(score, th)
                step = hysteresis(raw, score, th, prev.get((level, a.key)))
                counts[step.risk_class] += 1
                new.append(
                    RiskSnapshot(
                        polres=polres, polsek_id=a.polsek_id, kelurahan_code=a.kelurahan_code, level=level,
                        key=a.key, name=a.name[:160], week=monday, score=score, components=comp,
                        detail=detail, thresholds=th, raw_class=raw, risk_class=step.risk_class,
                        pending_class=step.pending_class, pending_weeks=step.pending_weeks, computed_at=now,
                    )
                )  # fmt: skip
        RiskSnapshot.objects.bulk_create(new, batch_size=1000)
        summary = {"week": monday.isoformat(), "areas": len(new), "classes": dict(counts), "method": method}
        publish(Event("analytics.risk.computed", "polres", polres.pk, polres_id=polres.pk, after=summary))
    return summary


def configure(actor, polres, **fields) -> RiskConfig:
    """Set the thresholds / weights of a Polres; bad values raise and store nothing."""
    from siaga.core.context import acting
    from siaga.core.errors import Forbidden
    from siaga.core.events import Event, publish
    from siaga.core.permissions import role_allows

    if actor is not None and not role_allows(actor, "analytics.riskconfig", "change"):
        raise Forbidden("You may not change the risk thresholds.")
    allowed = {"mode", "waspada", "rawan", "confirm_weeks", "margin", "weights"}
    unknown = set(fields) - allowed
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))}")
    with acting(actor), transaction.atomic():
        cfg, _ = RiskConfig.objects.select_for_update().get_or_create(polres=polres)
        before = {k: getattr(cfg, k) for k in allowed}
        for k, v in fields.items():
            setattr(cfg, k, v)
        if cfg.mode not in ThresholdMode.values:
            raise Invalid("mode must be absolute or percentile", field="mode")
        try:
            cfg.waspada, cfg.rawan, cfg.margin = float(cfg.waspada), float(cfg.rawan), float(cfg.margin)
            cfg.confirm_weeks = int(cfg.confirm_weeks)
        except (TypeError, ValueError):
            raise Invalid("thresholds must be numbers") from None
        if not cfg.waspada < cfg.rawan or cfg.waspada < 0 or cfg.margin < 0:
            raise Invalid("need 0 <= waspada < rawan and margin >= 0", field="rawan")
        if cfg.mode == ThresholdMode.PERCENTILE and cfg.rawan > 100:
            raise Invalid("percentiles must be at most 100", field="rawan")
        if not 1 <= cfg.confirm_weeks <= 12:
            raise Invalid("confirm_weeks must be 1 to 12", field="confirm_weeks")
        if not isinstance(cfg.weights, dict):
            raise Invalid("weights must be an object", field="weights")
        cfg.updated_at = timezone.now()
        cfg.save()
        publish(
            Event("analytics.riskconfig.changed", "riskconfig", cfg.pk, polres_id=polres.pk, before=before,
                  after={k: getattr(cfg, k) for k in allowed})
        )  # fmt: skip
    return cfg
