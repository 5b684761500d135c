"""An area of a profile or a case file, keyed as the risk pages key areas: an RT "kel/rw/rt", an RW
"kel/rw", a kelurahan or kecamatan code, or a Polsek code. Resolving one gives its names, its place in
the command hierarchy, its polygons and the filters that select the records inside it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid, NotFound
from siaga.core.roles import Role
from siaga.territory.models import Level, Polres, Polsek, Region, Rt, Rw
from siaga.territory.selectors import _effective_kelurahan

from . import places

LEVELS = ("rt", "rw", "kelurahan", "kecamatan", "polsek")
RW_KEY = re.compile(r"^(\d{2}\.\d{2}\.\d{2}\.\d{4})/(\d{1,3})$")


@dataclass
class Area:
    level: str
    key: str
    name: str
    polres: Polres
    polsek: Polsek | None = None
    kecamatan: Region | None = None
    kelurahan: Region | None = None
    rw: int | None = None
    rt: int | None = None
    kelurahan_codes: list[str] = field(default_factory=list)
    geometries: list[dict] = field(default_factory=list)

    @property
    def kelurahan_code(self) -> str:
        return self.kelurahan.code if self.kelurahan else ""

    @property
    def rt_key(self) -> str:
        return self.key if self.level == "rt" else ""

    def records(self) -> Q:
        """Mapping registers (Placed) inside the area."""
        if self.level == "rt":
            return Q(rt_key=self.key)
        if self.level == "rw":
            return Q(rt_key__startswith=f"{self.key}/")
        if self.level == "kelurahan":
            return Q(kelurahan_code=self.key)
        if self.level == "kecamatan":
            return Q(kelurahan_code__startswith=f"{self.key}.")
        return Q(polsek_id=self.polsek.pk) | Q(kelurahan_code__in=self.kelurahan_codes)

    def wide_records(self) -> Q | None:
        """For an RT or RW: the records of its kelurahan that are not placed at any RT."""
        if self.level in ("rt", "rw"):
            return Q(kelurahan_code=self.kelurahan_code, rt_key="")
        return None

    def incidents(self) -> Q:
        """cad incidents inside the area (their codes were stored at write time)."""
        if self.level == "rt":
            return Q(kelurahan_code=self.kelurahan_code, rw=self.rw, rt=self.rt)
        if self.level == "rw":
            return Q(kelurahan_code=self.kelurahan_code, rw=self.rw)
        if self.level == "kelurahan":
            return Q(kelurahan_code=self.key)
        if self.level == "kecamatan":
            return Q(kecamatan_code=self.key) | Q(kelurahan_code__in=self.kelurahan_codes)
        return Q(polsek_id=self.polsek.pk)

    def placement(self) -> dict:
        """The Placed columns of a record that concerns the whole area (a case file)."""
        return {
            "polres": self.polres,
            "polsek": self.polsek,
            "kelurahan_code": self.kelurahan_code,
            "rt_key": self.rt_key,
            "lat": None,
            "lon": None,
        }


def _kelurahan(code: str) -> Region:
    kel = Region.objects.filter(code=code, level=Level.KELURAHAN).select_related("parent").first()
    if kel is None:
        raise NotFound(_("No such area."))
    return kel


def _in_kelurahan(level: str, kel: Region, key: str, name: str, geometry, rw=None, rt=None) -> Area:
    polres = places._polres_of(kel)
    return Area(
        level=level,
        key=key,
        name=name,
        polres=polres,
        polsek=places._polsek_of(kel, polres),
        kecamatan=kel.parent,
        kelurahan=kel,
        rw=rw,
        rt=rt,
        kelurahan_codes=[kel.code],
        geometries=[geometry] if geometry else [],
    )


def resolve(level: str, key: str) -> Area:
    """The area named by (level, key); NotFound for an unknown one."""
    level, key = str(level or ""), str(key or "").strip()
    if level not in LEVELS:
        raise Invalid(_("Not a valid area level."), field="level")
    if not key or len(key) > 40 or not key.isprintable():  # e.g. a NUL, which PostgreSQL refuses
        raise NotFound(_("No such area."))
    if level == "rt":
        m = places.RT_KEY.match(key)
        rt = m and Rt.objects.filter(kelurahan_id=m[1], rw_number=int(m[2]), number=int(m[3])).first()
        if not rt:
            raise NotFound(_("No such area."))
        kel = _kelurahan(rt.kelurahan_id)
        name = f"RT {rt.number:03d}/RW {rt.rw_number:03d} {kel.name}"
        return _in_kelurahan("rt", kel, rt.key, name, rt.geometry, rt.rw_number, rt.number)
    if level == "rw":
        m = RW_KEY.match(key)
        rw = m and Rw.objects.filter(kelurahan_id=m[1], number=int(m[2])).first()
        if not rw:
            raise NotFound(_("No such area."))
        kel = _kelurahan(rw.kelurahan_id)
        return _in_kelurahan("rw", kel, rw.key, f"RW {rw.number:03d} {kel.name}", rw.geometry, rw.number)
    if level == "kelurahan":
        kel = _kelurahan(key)
        return _in_kelurahan("kelurahan", kel, kel.code, kel.name, kel.geometry)
    if level == "kecamatan":
        kec = Region.objects.filter(code=key, level=Level.KECAMATAN).first()
        polres = kec and Polres.objects.filter(region_id=kec.parent_id).first()
        if not polres:
            raise NotFound(_("No such area."))
        kels = Region.objects.filter(parent=kec, level=Level.KELURAHAN).order_by("code")
        codes = list(kels.values_list("code", flat=True))
        polseks = {places._polsek_of(k, polres) for k in kels.select_related("parent")}
        return Area(
            level="kecamatan",
            key=kec.code,
            name=kec.name,
            polres=polres,
            polsek=polseks.pop() if len(polseks) == 1 else None,
            kecamatan=kec,
            kelurahan_codes=codes,
            geometries=[kec.geometry] if kec.geometry else [],
        )
    polseks = list(Polsek.objects.filter(code=key).select_related("polres")[:2])
    if len(polseks) != 1:
        raise NotFound(_("No such area."))
    polsek = polseks[0]
    codes = _effective_kelurahan([polsek.pk]).get(polsek.pk, [])
    geoms = Region.objects.filter(code__in=codes).exclude(geometry=None).values_list("geometry", flat=True)
    return Area(
        level="polsek",
        key=polsek.code,
        name=polsek.name,
        polres=polsek.polres,
        polsek=polsek,
        kelurahan_codes=sorted(codes),
        geometries=list(geoms),
    )


def inside(user, area: Area) -> bool:
    """Is the area within the user's jurisdiction (any part of it, for a Polsek or kelurahan user)?"""
    if user.kelurahan_code:
        return user.kelurahan_code in area.kelurahan_codes
    if user.polsek_id:
        if area.polsek and area.polsek.pk == user.polsek_id:
            return True
        own = _effective_kelurahan([user.polsek_id]).get(user.polsek_id, [])
        return bool(set(own) & set(area.kelurahan_codes))
    if user.polres_id:
        return area.polres.pk == user.polres_id
    if user.polda_id:
        return area.polres.polda_id == user.polda_id
    return getattr(user, "role", None) == Role.ADMIN


def visible(user, level: str, key: str) -> Area:
    """The area, or NotFound when it lies outside the user's jurisdiction (as if it did not exist)."""
    area = resolve(level, key)
    if not inside(user, area):
        raise NotFound(_("No such area (or it is outside your area)."))
    return area
