"""Resolve where a register record sits: an RT key, a kelurahan code or a point → Polres, Polsek,
kelurahan (and RT); and the text/list cleaning the registers share."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from siaga.core.errors import Forbidden, Invalid
from siaga.core.permissions import can, role_allows
from siaga.territory import lookup
from siaga.territory.models import Level, Polres, PolsekArea, Region, Rt

RT_KEY = re.compile(r"^(\d{2}\.\d{2}\.\d{2}\.\d{4})/(\d{1,3})/(\d{1,3})$")


def text(value: Any, field: str, lo: int = 0, hi: int = 200) -> str:
    value = " ".join(str(value or "").split()) if hi <= 200 else str(value or "").strip()
    if len(value) < lo:
        raise Invalid(_("This field is required.") if lo <= 1 else _("Too short."), field=field)
    if len(value) > hi:
        raise Invalid(_("At most %(n)d characters.") % {"n": hi}, field=field)
    return value


def text_list(values: Any, field: str, most: int = 50, hi: int = 200) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in values.splitlines()]
    if not isinstance(values, (list, tuple)):
        raise Invalid(_("Give a list."), field=field)
    out = [text(v, field, 0, hi) for v in values]
    out = [v for v in out if v]
    if len(out) > most:
        raise Invalid(_("At most %(n)d entries.") % {"n": most}, field=field)
    return out


def choice(value: Any, choices, field: str) -> str:
    value = str(value or "")
    if value not in choices.values:
        raise Invalid(_("Not a valid choice."), field=field)
    return value


def _polsek_of(kel: Region, polres: Polres):
    """The Polsek covering a kelurahan (a kelurahan entry overrides its kecamatan's)."""
    areas = PolsekArea.objects.filter(polsek__polres=polres).select_related("polsek")
    for region_id in (kel.code, kel.parent_id):
        area = areas.filter(region_id=region_id).first()
        if area:
            return area.polsek
    return None


def _polres_of(kel: Region) -> Polres:
    kecamatan = kel.parent
    polres = Polres.objects.filter(region_id=kecamatan.parent_id if kecamatan else None).first()
    if polres is None:
        raise Invalid(_("No Polres covers this kelurahan."), field="kelurahan_code")
    return polres


def resolve(
    *, rt_key: str = "", kelurahan_code: str = "", lat=None, lon=None, polres=None, required: bool = True
) -> dict:
    """Place columns for a record. Exactly one of rt_key, kelurahan_code or (lat, lon); with none and
    `required` False the record sits at Polres level (`polres` must be given)."""
    rt_key = str(rt_key or "").strip()
    kelurahan_code = str(kelurahan_code or "").strip()
    has_point = lat not in (None, "") or lon not in (None, "")
    given = sum(bool(x) for x in (rt_key, kelurahan_code, has_point))
    if given > 1:
        raise Invalid(_("Give one place: an RT, a kelurahan or a point."), field="place")
    if rt_key:
        m = RT_KEY.match(rt_key)
        rt = m and Rt.objects.filter(kelurahan_id=m[1], rw_number=int(m[2]), number=int(m[3])).first()
        if not rt:
            raise Invalid(_("No such RT."), field="rt_key")
        kel = rt.kelurahan
        p = _polres_of(kel)
        return {
            "polres": p,
            "polsek": _polsek_of(kel, p),
            "kelurahan_code": kel.code,
            "rt_key": rt.key,
            "lat": None,
            "lon": None,
        }
    if kelurahan_code:
        kel = (
            Region.objects.filter(code=kelurahan_code, level=Level.KELURAHAN).select_related("parent").first()
        )
        if kel is None:
            raise Invalid(_("No such kelurahan."), field="kelurahan_code")
        p = _polres_of(kel)
        return {
            "polres": p,
            "polsek": _polsek_of(kel, p),
            "kelurahan_code": kel.code,
            "rt_key": "",
            "lat": None,
            "lon": None,
        }
    if has_point:
        try:
            lat, lon = float(lat), float(lon)
        except (TypeError, ValueError) as e:
            raise Invalid(_("The point needs a latitude and a longitude."), field="lat") from e
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Invalid(_("The point is not on Earth."), field="lat")
        loc = lookup.locate(lon, lat)
        if loc is None or loc.polres_id is None:
            raise Invalid(_("The point is outside the Polres area."), field="lat")
        p = Polres.objects.get(pk=loc.polres_id)
        from siaga.territory.models import Polsek

        return {
            "polres": p,
            "polsek": Polsek.objects.filter(pk=loc.polsek_id).first(),
            "kelurahan_code": loc.kelurahan_code,
            "rt_key": loc.rt_key,
            "lat": lat,
            "lon": lon,
        }
    if required or polres is None:
        raise Invalid(_("Give a place: an RT, a kelurahan or a point."), field="place")
    return {"polres": polres, "polsek": None, "kelurahan_code": "", "rt_key": "", "lat": None, "lon": None}


def home_polres(user) -> Polres | None:
    if user.polres_id:
        return user.polres
    if user.polsek_id:
        return user.polsek.polres
    return None


def may(user, resource: str, action: str = "change") -> None:
    if not role_allows(user, resource, action):
        raise Forbidden(_("You may not change this register."))


def check_inside(user, obj, action: str = "change") -> None:
    """Raise (rolling the caller's transaction back) unless the saved record is in the user's area."""
    if not can(user, action, obj):
        raise Forbidden(_("This place is outside your area."))
