"""Every write of the geofences app: fences (create, update, deactivate, GeoJSON upload, Polsek areas as
fences) and their rules. Each validates, changes, is audited (through its event) and moves the Polres's
fence stamp in the same transaction, so every process's fence index is rebuilt on its next use."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import shapely
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, check_version
from siaga.core.events import Event, publish
from siaga.core.permissions import can, role_allows, visible_one
from siaga.territory.geometry import drop_small_holes
from siaga.territory.models import Level, Polres, Polsek, PolsekArea, Region, Stamp

from . import polygons
from .models import RESOURCE, FenceKind, Geofence, GeofenceRule, GeofenceState, Severity, Trigger

MAX_DWELL_MINUTES = 7 * 24 * 60
MAX_QUIET_MINUTES = 24 * 60
MAX_LIST = 200
MAX_FEATURES = 500
SLIVER_M2 = 10_000.0


# --- the fence stamp ---------------------------------------------------------------------------------------


def stamp_key(polres_id: int) -> str:
    return f"geofences.{polres_id}"


def bump_stamp(polres_id: int) -> None:
    """Move the Polres's fence stamp inside the writer's transaction: readers in other processes see the
    move when the write commits, the writer's own reads at once; a rollback takes it back."""
    key, token = stamp_key(polres_id), uuid.uuid4().hex
    if Stamp.objects.filter(key=key).update(version=F("version") + 1, token=token):
        return
    try:
        with transaction.atomic():
            Stamp.objects.create(key=key, version=1, token=token)
    except IntegrityError:  # created meanwhile by another writer
        Stamp.objects.filter(key=key).update(version=F("version") + 1, token=token)


# --- cleaning ----------------------------------------------------------------------------------------------


def _may(actor) -> None:
    if not role_allows(actor, RESOURCE, "change"):
        raise Forbidden(_("You may not change geofences."))


def _text(value: Any, field: str, lo: int, hi: int) -> str:
    value = " ".join(str(value or "").split()) if hi <= 200 else str(value or "").strip()
    if len(value) < lo:
        raise Invalid(_("This field is required.") if lo <= 1 or not value else _("Too short."), field=field)
    if len(value) > hi:
        raise Invalid(_("At most %(n)d characters.") % {"n": hi}, field=field)
    return value


def _choice(value: Any, choices, field: str) -> str:
    value = str(value or "")
    if value not in choices.values:
        raise Invalid(_("Not a valid choice."), field=field)
    return value


def _minutes(value: Any, field: str, hi: int) -> int:
    try:
        n = int(value or 0)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Give a whole number of minutes."), field=field) from e
    if not 0 <= n <= hi:
        raise Invalid(_("Give between 0 and %(n)d minutes.") % {"n": hi}, field=field)
    return n


def _when(value: Any, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            raise Invalid(_("Give a date and time (YYYY-MM-DDTHH:MM)."), field=field)
        value = parsed
    if not isinstance(value, dt.datetime):
        raise Invalid(_("Give a date and time (YYYY-MM-DDTHH:MM)."), field=field)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def _window(active_from, active_until) -> tuple[dt.datetime | None, dt.datetime | None]:
    start, end = _when(active_from, "active_from"), _when(active_until, "active_until")
    if start and end and end <= start:
        raise Invalid(_("The zone must end after it starts."), field="active_until")
    return start, end


def _str_list(values: Any, field: str, allowed=None) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in values.replace(",", " ").split()]
    if not isinstance(values, (list, tuple)) or len(values) > MAX_LIST:
        raise Invalid(_("Give a list of at most %(n)d entries.") % {"n": MAX_LIST}, field=field)
    out = sorted({_text(v, field, 1, 30) for v in values})
    if allowed is not None and any(v not in allowed for v in out):
        raise Invalid(_("Not a valid choice."), field=field)
    return out


def _unit_ids(values: Any, polres_id: int) -> list[int]:
    from siaga.cad.models import Unit

    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    if not isinstance(values, (list, tuple)) or len(values) > MAX_LIST:
        raise Invalid(_("Give a list of at most %(n)d entries.") % {"n": MAX_LIST}, field="units")
    try:
        ids = sorted({int(v) for v in values})
    except (TypeError, ValueError) as e:
        raise Invalid(_("Units are given by their ids."), field="units") from e
    known = set(Unit.objects.filter(pk__in=ids, polres_id=polres_id).values_list("pk", flat=True))
    if set(ids) - known:
        raise Invalid(_("No such unit in this Polres."), field="units")
    return ids


def _polres_box(polres: Polres) -> tuple[float, float, float, float] | None:
    r = Region.objects.filter(pk=polres.region_id).values_list("min_lon", "min_lat", "max_lon", "max_lat")
    box = r.first()
    return tuple(box) if box and None not in box else None


def _home_polres(actor, polres) -> Polres:
    if polres is None:
        polres = actor.polres if actor.polres_id else (actor.polsek.polres if actor.polsek_id else None)
        if polres is None:
            raise Invalid(_("Say which Polres the fence belongs to."), field="polres")
    elif not isinstance(polres, Polres):
        polres = Polres.objects.filter(pk=polres).first() if str(polres).isdigit() else None
        if polres is None:
            raise Invalid(_("No such Polres."), field="polres")
    return polres


def _polsek(polres: Polres, value) -> Polsek | None:
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    p = Polsek.objects.filter(pk=pk, polres=polres).first() if str(pk).isdigit() else None
    if p is None:
        raise Invalid(_("No such Polsek in this Polres."), field="polsek")
    return p


def _inside_scope(actor, obj) -> None:
    if not can(actor, "change", obj):
        raise Forbidden(_("This fence is outside your area."))


def snapshot(f: Geofence) -> dict[str, Any]:
    return {
        "name": f.name,
        "kind": f.kind,
        "polsek": f.polsek_id,
        "vertices": f.vertices,
        "bbox": [f.min_lon, f.min_lat, f.max_lon, f.max_lat],
        "active": f.active,
        "active_from": f.active_from.isoformat() if f.active_from else None,
        "active_until": f.active_until.isoformat() if f.active_until else None,
        "version": f.version,
    }


def rule_snapshot(r: GeofenceRule) -> dict[str, Any]:
    return {
        "geofence": r.geofence_id,
        "trigger": r.trigger,
        "dwell_minutes": r.dwell_minutes,
        "unit_kinds": r.unit_kinds,
        "device_kinds": r.device_kinds,
        "units": r.units,
        "severity": r.severity,
        "quiet_minutes": r.quiet_minutes,
        "active": r.active,
    }


def _name_taken(polres_id: int, name: str, exclude: int | None = None) -> bool:
    qs = Geofence.objects.filter(polres_id=polres_id, name__iexact=name, active=True)
    return qs.exclude(pk=exclude).exists() if exclude else qs.exists()


# --- fences ------------------------------------------------------------------------------------------------


def get(user, pk: Any, action: str = "view") -> Geofence:
    return visible_one(Geofence.objects.all(), user, pk, action, _("Geofence not found."))


def create_fence(
    actor,
    *,
    name: str,
    kind: str,
    geometry: Any,
    polres=None,
    polsek=None,
    description: str = "",
    active_from=None,
    active_until=None,
    at: dt.datetime | None = None,
) -> Geofence:
    """Draw a fence; bad input or a fence outside the actor's area raises and stores nothing."""
    _may(actor)
    polres = _home_polres(actor, polres)
    fields = {
        "name": _text(name, "name", 2, 120),
        "kind": _choice(kind, FenceKind, "kind"),
        "description": _text(description, "description", 0, 2000),
        "polsek": _polsek(polres, polsek),
    }
    fields["active_from"], fields["active_until"] = _window(active_from, active_until)
    geom = polygons.parse(geometry, _polres_box(polres))
    now = at or timezone.now()
    with transaction.atomic():
        if _name_taken(polres.pk, fields["name"]):
            raise Conflict(_("A fence of this name exists already."), code="duplicate")
        f = Geofence.objects.create(
            polres=polres,
            **fields,
            **polygons.columns(geom, polres.utm_epsg),
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
            updated_at=now,
        )
        _inside_scope(actor, f)
        bump_stamp(polres.pk)
        publish(Event("geofences.geofence.created", RESOURCE, f.pk, polres.pk, after=snapshot(f)))
    return f


def update_fence(
    actor,
    pk: Any,
    *,
    name: str | None = None,
    geometry: Any = None,
    description: str | None = None,
    active_from: Any = ...,
    active_until: Any = ...,
    version: Any = None,
    at: dt.datetime | None = None,
) -> Geofence:
    """Change a fence's name, polygon, description or active window (`...` leaves a window end as is)."""
    _may(actor)
    with transaction.atomic():
        f = get(actor, pk, "change")
        f = Geofence.objects.select_for_update().get(pk=f.pk)
        check_version(f.version, version, _("Someone else changed this fence; reload it."))
        if not f.active:
            raise Conflict(_("This fence is deactivated."), code="inactive")
        before = snapshot(f)
        if name is not None:
            f.name = _text(name, "name", 2, 120)
            if _name_taken(f.polres_id, f.name, exclude=f.pk):
                raise Conflict(_("A fence of this name exists already."), code="duplicate")
        if description is not None:
            f.description = _text(description, "description", 0, 2000)
        start = f.active_from if active_from is ... else active_from
        end = f.active_until if active_until is ... else active_until
        f.active_from, f.active_until = _window(start, end)
        if geometry is not None:
            polres = f.polres
            geom = polygons.parse(geometry, _polres_box(polres))
            for k, v in polygons.columns(geom, polres.utm_epsg).items():
                setattr(f, k, v)
        f.updated_at = at or timezone.now()
        f.version += 1
        f.save()
        bump_stamp(f.polres_id)
        publish(
            Event("geofences.geofence.changed", RESOURCE, f.pk, f.polres_id, before=before, after=snapshot(f))
        )
    return f


def deactivate_fence(actor, pk: Any, *, at: dt.datetime | None = None) -> Geofence:
    """Stop a fence: no more alerts; its subject states are dropped (the alerts already raised stay)."""
    _may(actor)
    with transaction.atomic():
        f = get(actor, pk, "change")
        f = Geofence.objects.select_for_update().get(pk=f.pk)
        if not f.active:
            return f
        before = snapshot(f)
        f.active = False
        f.updated_at = at or timezone.now()
        f.version += 1
        f.save(update_fields=["active", "updated_at", "version"])
        GeofenceState.objects.filter(geofence=f).delete()
        bump_stamp(f.polres_id)
        publish(
            Event(
                "geofences.geofence.deactivated",
                RESOURCE,
                f.pk,
                f.polres_id,
                before=before,
                after=snapshot(f),
            )
        )
    return f


def upload(actor, document: Any, *, kind: str, polres=None, name_property: str = "name") -> list[Geofence]:
    """A GeoJSON FeatureCollection (or one Feature) → one fence per feature, named by `name_property`.
    All or nothing: the first bad feature is named in the error and nothing is stored."""
    _may(actor)
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8", "replace")
    if isinstance(document, str):
        if len(document) > polygons.MAX_TEXT:
            raise Invalid(_("The GeoJSON is too large."), field="file")
        try:
            document = json.loads(document)
        except ValueError as e:
            raise Invalid(_("The file is not valid JSON."), field="file") from e
    if not isinstance(document, dict):
        raise Invalid(_("Give a GeoJSON FeatureCollection."), field="file")
    features = document.get("features") if document.get("type") == "FeatureCollection" else [document]
    if not isinstance(features, list) or not features:
        raise Invalid(_("The file has no features."), field="file")
    if len(features) > MAX_FEATURES:
        raise Invalid(_("At most %(n)d features at once.") % {"n": MAX_FEATURES}, field="file")
    made = []
    with transaction.atomic():
        for i, feat in enumerate(features, start=1):
            props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
            name = props.get(name_property) if isinstance(props, dict) else None
            try:
                made.append(
                    create_fence(
                        actor,
                        name=name or f"{kind} {i}",
                        kind=kind,
                        geometry=feat,
                        polres=polres,
                        description=str(props.get("description", "") or "")[:2000],
                    )
                )
            except Invalid as e:
                raise Invalid(
                    _("Feature %(i)d: %(error)s") % {"i": i, "error": e.message}, field="file"
                ) from e
    return made


def import_polsek_areas(actor, polres: Polres, *, at: dt.datetime | None = None) -> dict[str, int]:
    """One `polsek_area` fence per Polsek of the Polres: the union of its kelurahan (a kelurahan entry
    overrides its kecamatan's), simplified to the vertex limit. An existing active area fence of the
    Polsek gets the new polygon; Polsek without any polygon are skipped."""
    _may(actor)
    cover: dict[str, int] = {}
    areas = PolsekArea.objects.filter(polsek__polres=polres).select_related("region")
    kels = Region.objects.filter(level=Level.KELURAHAN, parent__parent_id=polres.region_id)
    by_kec: dict[str, list[Region]] = {}
    for k in kels.exclude(geometry=None):
        by_kec.setdefault(k.parent_id, []).append(k)
    for a in sorted(areas, key=lambda a: a.region.level):  # kecamatan first, kelurahan entries override
        for k in by_kec.get(a.region_id, []) if a.region.level == Level.KECAMATAN else []:
            cover[k.code] = a.polsek_id
        if a.region.level == Level.KELURAHAN:
            cover[a.region_id] = a.polsek_id
    shapes: dict[int, list] = {}
    for kel in (k for group in by_kec.values() for k in group):
        if kel.code in cover:
            shapes.setdefault(cover[kel.code], []).append(shapely.geometry.shape(kel.geometry))
    counts = {"created": 0, "updated": 0, "skipped": 0}
    with transaction.atomic():
        for polsek in Polsek.objects.filter(polres=polres).order_by("code"):
            parts = shapes.get(polsek.pk)
            if not parts:
                counts["skipped"] += 1
                continue
            # kelurahan boundaries do not meet exactly: close the slivers between them (< 1 ha)
            geom = drop_small_holes(shapely.union_all(parts).buffer(0), SLIVER_M2)
            geom = polygons.simplify_to_limit(geom)
            geojson = shapely.geometry.mapping(geom)
            existing = Geofence.objects.filter(
                polres=polres, polsek=polsek, kind=FenceKind.POLSEK_AREA, active=True
            ).first()
            if existing:
                update_fence(actor, existing.pk, geometry=geojson, at=at)
                counts["updated"] += 1
            else:
                create_fence(
                    actor,
                    name=polsek.name,
                    kind=FenceKind.POLSEK_AREA,
                    geometry=geojson,
                    polres=polres,
                    polsek=polsek,
                    at=at,
                )
                counts["created"] += 1
    return counts


# --- rules -------------------------------------------------------------------------------------------------


def _recheck_dwell(fence_id: int) -> None:
    """Rules changed: the sweep looks at every subject inside the fence again (it recomputes when each
    one's next dwell alert is due); the version moves so that no worker writes over this with a stale read."""
    GeofenceState.objects.filter(geofence_id=fence_id, inside=True).update(
        next_dwell_at=F("inside_since"), version=F("version") + 1
    )


def _rule_fields(f: Geofence, data: dict[str, Any], current: GeofenceRule | None = None) -> dict[str, Any]:
    from siaga.cad.models import UnitKind

    def pick(name, default):
        return data[name] if name in data and data[name] is not None else default

    cur = current or GeofenceRule(trigger="", severity=Severity.WARNING)
    out = {
        "trigger": _choice(pick("trigger", cur.trigger), Trigger, "trigger"),
        "dwell_minutes": _minutes(
            pick("dwell_minutes", cur.dwell_minutes), "dwell_minutes", MAX_DWELL_MINUTES
        ),
        "quiet_minutes": _minutes(
            pick("quiet_minutes", cur.quiet_minutes), "quiet_minutes", MAX_QUIET_MINUTES
        ),
        "severity": _choice(pick("severity", cur.severity), Severity, "severity"),
        "unit_kinds": _str_list(pick("unit_kinds", cur.unit_kinds), "unit_kinds", UnitKind.values),
        "device_kinds": _str_list(pick("device_kinds", cur.device_kinds), "device_kinds"),
        "units": _unit_ids(pick("units", cur.units), f.polres_id),
    }
    if out["trigger"] == Trigger.DWELL and out["dwell_minutes"] < 1:
        raise Invalid(_("A dwell rule needs the minutes of dwelling."), field="dwell_minutes")
    if out["trigger"] != Trigger.DWELL:
        out["dwell_minutes"] = 0
    return out


def add_rule(actor, fence_pk: Any, **data) -> GeofenceRule:
    _may(actor)
    with transaction.atomic():
        f = get(actor, fence_pk, "change")
        if not f.active:
            raise Conflict(_("This fence is deactivated."), code="inactive")
        r = GeofenceRule.objects.create(geofence=f, **_rule_fields(f, data), created_at=timezone.now())
        bump_stamp(f.polres_id)
        _recheck_dwell(f.pk)
        publish(Event("geofences.rule.created", RESOURCE, r.pk, f.polres_id, after=rule_snapshot(r)))
    return r


def get_rule(user, pk: Any, action: str = "view") -> GeofenceRule:
    return visible_one(
        GeofenceRule.objects.select_related("geofence"), user, pk, action, _("Rule not found.")
    )


def update_rule(actor, pk: Any, **data) -> GeofenceRule:
    _may(actor)
    with transaction.atomic():
        r = get_rule(actor, pk, "change")
        r = GeofenceRule.objects.select_for_update().select_related("geofence").get(pk=r.pk)
        if not r.active:
            raise Conflict(_("This rule is removed."), code="inactive")
        before = rule_snapshot(r)
        for k, v in _rule_fields(r.geofence, data, r).items():
            setattr(r, k, v)
        r.save()
        bump_stamp(r.geofence.polres_id)
        _recheck_dwell(r.geofence_id)
        publish(
            Event(
                "geofences.rule.changed",
                RESOURCE,
                r.pk,
                r.geofence.polres_id,
                before=before,
                after=rule_snapshot(r),
            )
        )
    return r


def remove_rule(actor, pk: Any) -> GeofenceRule:
    _may(actor)
    with transaction.atomic():
        r = get_rule(actor, pk, "change")
        if not r.active:
            return r
        before = rule_snapshot(r)
        r.active = False
        r.save(update_fields=["active"])
        bump_stamp(r.geofence.polres_id)
        _recheck_dwell(r.geofence_id)
        publish(
            Event(
                "geofences.rule.removed",
                RESOURCE,
                r.pk,
                r.geofence.polres_id,
                before=before,
                after=rule_snapshot(r),
            )
        )
    return r
