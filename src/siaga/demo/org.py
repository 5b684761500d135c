"""The demo command structure: Polda, Polres, Polsek, personnel, units and one login per role.

Everything is written through the owning app's services (territory, resources, cad, accounts).
Names, NRP, phone numbers and the Polsek → kecamatan mapping are synthetic but realistic; the
boundaries and Kemendagri codes are real.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely

from siaga.accounts import services as accounts
from siaga.cad import services as cad
from siaga.cad.models import UnitKind, UnitStatus
from siaga.core.errors import Invalid
from siaga.core.roles import Role
from siaga.resources import services as resources
from siaga.resources.models import RANKS, Function, Personnel
from siaga.territory import geometry as geo
from siaga.territory import services as territory
from siaga.territory.models import Level, Polres, Polsek, Region, Rt

from . import names
from .places import POSTS

POLDA = ("METRO-JAYA", "Polda Metro Jaya")
POLRES = {
    "code": "BKS",
    "name": "Polres Metro Bekasi Kota",
    "region_code": "32.75",
    "timezone": "Asia/Jakarta",
    "utm_epsg": 32748,
    "phone": "(021) 8840110",  # placeholder, not the real number
    "address": "Jl. Pramuka No. 1, Marga Jaya, Bekasi Selatan, Kota Bekasi",
    "lat": -6.2445,
    "lon": 106.9955,
}
# code, name, kecamatan covered, kelurahan holding the Mapolsek, login suffix
POLSEK = (
    ("BKK", "Polsek Bekasi Kota", ("32.75.02",), "32.75.02.1002", "bekasikota"),
    ("BKT", "Polsek Bekasi Timur", ("32.75.01", "32.75.05"), "32.75.01.1002", "bekasitimur"),
    ("BKU", "Polsek Bekasi Utara", ("32.75.03",), "32.75.03.1002", "bekasiutara"),
    ("BSL", "Polsek Bekasi Selatan", ("32.75.04",), "32.75.04.1005", "bekasiselatan"),
    ("MDS", "Polsek Medan Satria", ("32.75.06",), "32.75.06.1001", "medansatria"),
    ("PDG", "Polsek Pondok Gede", ("32.75.08", "32.75.12"), "32.75.08.1001", "pondokgede"),
    ("JTA", "Polsek Jatiasih", ("32.75.09", "32.75.10"), "32.75.09.1002", "jatiasih"),
    ("BTG", "Polsek Bantargebang", ("32.75.07", "32.75.11"), "32.75.07.1003", "bantargebang"),
)
BHABIN_COVERAGE = 0.70  # share of kelurahan with their own Bhabinkamtibmas (national: ~46%)
DEMO_PASSWORD = "siaga-demo-2026"  # noqa: S105 (printed for every demo; never for production)

# Polres HQ strength by function (a Polres Metro: ~1,400 at the Mapolres).
HQ_STRENGTH = {
    Function.PIMPINAN: 2,
    Function.OPS: 60,
    Function.REN: 25,
    Function.SDM: 40,
    Function.LOG: 40,
    Function.SPKT: 45,
    Function.INTELKAM: 110,
    Function.RESKRIM: 210,
    Function.RESNARKOBA: 90,
    Function.BINMAS: 55,
    Function.SAMAPTA: 360,
    Function.LANTAS: 280,
    Function.TAHTI: 30,
    Function.SIUM: 75,
}
HQ_HEAD = {
    Function.OPS: ("Kabag Ops", "AKBP"),
    Function.REN: ("Kabag Ren", "AKBP"),
    Function.SDM: ("Kabag SDM", "AKBP"),
    Function.LOG: ("Kabag Log", "AKBP"),
    Function.SPKT: ("Ka SPKT", "Kompol"),
    Function.INTELKAM: ("Kasat Intelkam", "AKBP"),
    Function.RESKRIM: ("Kasat Reskrim", "AKBP"),
    Function.RESNARKOBA: ("Kasat Resnarkoba", "AKBP"),
    Function.BINMAS: ("Kasat Binmas", "Kompol"),
    Function.SAMAPTA: ("Kasat Samapta", "AKBP"),
    Function.LANTAS: ("Kasat Lantas", "AKBP"),
    Function.TAHTI: ("Kasat Tahti", "Kompol"),
    Function.SIUM: ("Kasi Humas", "Kompol"),
}
# A Polsek: (function, count) besides the Kapolsek, Wakapolsek and the Bhabinkamtibmas.
POLSEK_STRENGTH = (
    (Function.SPKT, 9),
    (Function.RESKRIM, 13),
    (Function.INTELKAM, 6),
    (Function.SAMAPTA, 32),
    (Function.BINMAS, 3),
    (Function.LANTAS, 5),
    (Function.SIUM, 4),
)
POLSEK_KANIT = {
    Function.SPKT: "Ka SPKT",
    Function.RESKRIM: "Kanit Reskrim",
    Function.INTELKAM: "Kanit Intelkam",
    Function.SAMAPTA: "Kanit Samapta",
    Function.BINMAS: "Kanit Binmas",
    Function.LANTAS: "Kanit Lantas",
    Function.SIUM: "Kasi Humas",
}
# Rank-and-file pyramid (mostly bintara; few tamtama at a Polres).
RANK_FILE = {
    "Bharada": 0.025,
    "Bharatu": 0.01,
    "Bharaka": 0.005,
    "Abripda": 0.004,
    "Abriptu": 0.003,
    "Abrippol": 0.003,
    "Bripda": 0.17,
    "Briptu": 0.20,
    "Brigpol": 0.20,
    "Bripka": 0.18,
    "Aipda": 0.11,
    "Aiptu": 0.09,
}
AGE = {
    "Bharada": (19, 23),
    "Bharatu": (21, 26),
    "Bharaka": (23, 29),
    "Abripda": (26, 33),
    "Abriptu": (28, 36),
    "Abrippol": (30, 40),
    "Bripda": (19, 26),
    "Briptu": (23, 32),
    "Brigpol": (27, 38),
    "Bripka": (32, 45),
    "Aipda": (38, 50),
    "Aiptu": (42, 57),
    "Ipda": (24, 55),
    "Iptu": (28, 55),
    "AKP": (32, 55),
    "Kompol": (37, 55),
    "AKBP": (42, 55),
    "Kombes": (46, 55),
}


@dataclass
class Org:
    polda: object
    polres: Polres
    polsek: dict[str, Polsek]
    personnel: int = 0
    units: int = 0
    users: dict[str, object] | None = None


# --- territory and commands --------------------------------------------------------------------


def import_territory() -> dict:
    """Real codes and boundaries of Kota Bekasi (bundled; kecamatan derived from their kelurahan)."""
    return territory.import_bundled("kota-bekasi")


def generate_rw_rt(seed: int, rt_total: int = 6700, progress=None) -> dict:
    """Synthetic RW/RT tiling each kelurahan (no official list exists)."""
    return territory.generate_rw_rt(seed=seed, rt_total=rt_total, rt_per_rw=(5, 7), progress=progress)


def build_territory(seed: int, rt_total: int = 6700, progress=None) -> dict:
    return {"import": import_territory(), "rwrt": generate_rw_rt(seed, rt_total, progress)}


def _inside_point(code: str) -> tuple[float, float]:
    g = geo.from_geojson(Region.objects.get(code=code).geometry)
    p = shapely.point_on_surface(g)
    return float(p.x), float(p.y)


def build_commands() -> Org:
    polda = territory.create_polda(*POLDA)
    polres = territory.create_polres(
        polda,
        POLRES["code"],
        POLRES["name"],
        POLRES["region_code"],
        timezone=POLRES["timezone"],
        utm_epsg=POLRES["utm_epsg"],
        phone=POLRES["phone"],
        address=POLRES["address"],
        lat=POLRES["lat"],
        lon=POLRES["lon"],
    )
    polsek = {}
    for i, (code, name, kecamatan, hq_kel, _) in enumerate(POLSEK):
        lon, lat = _inside_point(hq_kel)
        kel = Region.objects.get(code=hq_kel)
        polsek[code] = territory.create_polsek(
            polres,
            code,
            name,
            region_codes=kecamatan,
            phone=f"(021) 88{40 + i:02d}{110 + i:04d}",  # placeholder numbers
            address=f"Kel. {kel.name}, Kec. {kel.parent.name}, Kota Bekasi",
            lat=round(lat, 6),
            lon=round(lon, 6),
        )
    return Org(polda=polda, polres=polres, polsek=polsek)


# --- personnel ---------------------------------------------------------------------------------


class _Roster:
    """Builds personnel rows with unique NRP (YYMM of birth + 4 digits) and synthetic names."""

    def __init__(self, rng: np.random.Generator, year: int):
        self.rng, self.year = rng, year
        self.rows: list[dict] = []
        self.nrps: set[str] = set()
        self._names: list[str] = []

    def _name(self) -> str:
        if not self._names:
            self._names = names.person_names(self.rng, 512)
        return self._names.pop()

    def _nrp(self, rank: str) -> str:
        lo, hi = AGE.get(rank, (25, 50))
        while True:
            age = int(self.rng.integers(lo, hi + 1))
            yymm = f"{(self.year - age) % 100:02d}{int(self.rng.integers(1, 13)):02d}"
            nrp = f"{yymm}{int(self.rng.integers(0, 10_000)):04d}"
            if nrp not in self.nrps:
                self.nrps.add(nrp)
                return nrp

    def add(
        self, rank: str, function: str, position: str = "", polsek=None, kelurahan_code: str = ""
    ) -> dict:
        row = {
            "nrp": self._nrp(rank),
            "name": self._name(),
            "rank": rank,
            "function": str(function),
            "position": position,
            "polsek": polsek.pk if polsek is not None else None,
            "kelurahan_code": kelurahan_code,
            "synthetic": True,
        }
        self.rows.append(row)
        return row

    def rank_file(self, n: int) -> list[str]:
        ranks = list(RANK_FILE)
        p = np.array([RANK_FILE[r] for r in ranks])
        return [ranks[i] for i in self.rng.choice(len(ranks), size=n, p=p / p.sum())]

    def unit(self, function: str, n: int, head: tuple[str, str] | None, polsek=None, label: str = "") -> None:
        """A bag/sat/unit of `n` people: its head, a deputy when large, kanit/panit officers, members."""
        made = 0
        if head:
            self.add(head[1], function, head[0], polsek)
            made += 1
        if n >= 90:
            self.add("Kompol", function, f"Waka{head[0][2:] if head else ''}".strip(), polsek)
            made += 1
        n_kanit = max(1, n // 30) if n >= 20 else 0
        for k in range(n_kanit):
            self.add(["AKP", "Iptu"][k % 2], function, f"Kanit {k + 1} {label}".strip(), polsek)
        n_panit = n // 18
        for k in range(n_panit):
            self.add(["Iptu", "Ipda", "Ipda"][k % 3], function, f"Panit {k + 1} {label}".strip(), polsek)
        made += n_kanit + n_panit
        for rank in self.rank_file(max(0, n - made)):
            self.add(rank, function, f"Anggota {label}".strip(), polsek)


def personnel_rows(org: Org, seed: int, year: int) -> tuple[list[dict], dict[str, str]]:
    """All personnel rows, and the kelurahan → NRP of its Bhabinkamtibmas."""
    rng = np.random.default_rng(seed + 101)
    roster = _Roster(rng, year)
    roster.add("Kombes", Function.PIMPINAN, "Kapolres")
    roster.add("AKBP", Function.PIMPINAN, "Wakapolres")
    for function, n in HQ_STRENGTH.items():
        if function == Function.PIMPINAN:
            continue
        roster.unit(function, n, HQ_HEAD[function], label=Function(function).label)
    kels = list(Region.objects.filter(level=Level.KELURAHAN, code__startswith="32.75.").order_by("code"))
    kec_polsek = {kec: code for code, _, kecs, _, _ in POLSEK for kec in kecs}
    chosen = np.zeros(len(kels), dtype=bool)
    chosen[rng.choice(len(kels), size=round(len(kels) * BHABIN_COVERAGE), replace=False)] = True
    bhabin_of: dict[str, str] = {}
    for code, name, kecs, _, _ in POLSEK:
        ps = org.polsek[code]
        short = name.removeprefix("Polsek ")
        roster.add("Kompol", Function.PIMPINAN, f"Kapolsek {short}", ps)
        roster.add("AKP", Function.PIMPINAN, f"Wakapolsek {short}", ps)
        extra = 1.0 + 0.3 * (len(kecs) - 1)  # Polsek over two kecamatan are bigger
        for function, n in POLSEK_STRENGTH:
            n = round(n * extra)
            roster.add(
                "Iptu" if function != Function.SPKT else "Ipda", function, f"{POLSEK_KANIT[function]}", ps
            )
            for rank in roster.rank_file(n - 1):
                roster.add(rank, function, f"Anggota {Function(function).label}", ps)
        for kel, pick in zip(kels, chosen, strict=True):
            if pick and kec_polsek.get(kel.parent_id) == code:
                rank = ["Bripka", "Aipda", "Aiptu", "Brigpol"][int(rng.integers(4))]
                row = roster.add(rank, Function.BINMAS, f"Bhabinkamtibmas Kel. {kel.name}", ps, kel.code)
                bhabin_of[kel.code] = row["nrp"]
    return roster.rows, bhabin_of


def build_personnel(org: Org, seed: int, year: int) -> dict[str, str]:
    rows, bhabin_of = personnel_rows(org, seed, year)
    org.personnel = resources.bulk_create_personnel(org.polres, rows)
    return bhabin_of


# --- units ---------------------------------------------------------------------------------------


def _status(rng, n: int) -> list[str]:
    # Only states that need no assignment: a unit can be busy only through a dispatch (an Assignment),
    # which the live shift and the dispatchers create; a busy unit without one could never be freed.
    choices = [UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY, UnitStatus.OUT_OF_SERVICE]
    p = [0.75, 0.21, 0.04]
    return [str(choices[i]) for i in rng.choice(len(choices), size=n, p=p)]


def unit_rows(org: Org, seed: int, now: dt.datetime) -> list[dict]:
    from siaga.territory import lookup

    rng = np.random.default_rng(seed + 202)
    polres = org.polres
    # crew pools: personnel ids by (polsek code or "", function), shuffled; each member serves one unit
    pools: dict[tuple[str, str], list[int]] = defaultdict(list)
    code_of = {p.pk: c for c, p in org.polsek.items()}
    for pk, polsek_id, function, position in (
        Personnel.objects.filter(polres=polres)
        .order_by("pk")
        .values_list("pk", "polsek_id", "function", "position")
    ):
        if position.startswith("Anggota"):
            pools[(code_of.get(polsek_id, ""), function)].append(pk)
    for k in pools:
        rng.shuffle(pools[k])

    def crew(where: str, function: str, n: int) -> list[int]:
        pool = pools[(where, function)]
        return [pool.pop() for _ in range(min(n, len(pool)))]

    # RT centroids by Polsek, to park units inside their area
    rts = np.array(list(Rt.objects.order_by("pk").values_list("centroid_lon", "centroid_lat")), dtype=float)
    found = lookup.locate_many(rts[:, 0], rts[:, 1])
    rt_polsek = found.polsek_id

    def spot(polsek=None) -> tuple[float, float]:
        cand = np.flatnonzero(rt_polsek == polsek.pk) if polsek is not None else np.flatnonzero(found.inside)
        lon, lat = rts[cand[int(rng.integers(len(cand)))]]
        return round(float(lon), 6), round(float(lat), 6)

    rows: list[dict] = []

    def add(callsign, kind, caps, n_crew, where, function, polsek=None, status=None, pos=None):
        lon, lat = pos or spot(polsek)
        rows.append(
            {
                "callsign": callsign,
                "kind": str(kind),
                "polsek": polsek.pk if polsek is not None else None,
                "capabilities": caps,
                "status": status or _status(rng, 1)[0],
                "lon": lon,
                "lat": lat,
                "position_at": now - dt.timedelta(seconds=int(rng.integers(5, 900))),
                "crew": crew(where, function, n_crew),
            }
        )

    # Polres HQ: Sat Samapta patrols, special teams, Sat Lantas
    for i in range(1, 16):
        add(f"SMP-R4-{i:02d}", UnitKind.R4, ["patrol"], 2, "", Function.SAMAPTA)
    for i in range(1, 26):
        add(f"SMP-R2-{i:02d}", UnitKind.R2, ["patrol"], 2, "", Function.SAMAPTA)
    for i in range(1, 5):
        add(f"RMS-{i:02d}", UnitKind.TEAM, ["raimas", "patrol", "riot"], 8, "", Function.SAMAPTA)
    for i in range(1, 3):
        add(f"DLM-{i:02d}", UnitKind.TEAM, ["dalmas", "riot"], 20, "", Function.SAMAPTA)
    for i in range(1, 4):
        add(f"JTR-{i:02d}", UnitKind.TEAM, ["jatanras", "crime"], 6, "", Function.RESKRIM)
    add("NRK-01", UnitKind.TEAM, ["narkoba", "crime"], 6, "", Function.RESNARKOBA)
    for i in range(1, 5):
        add(f"LTS-PWL-{i:02d}", UnitKind.R4, ["lantas", "escort"], 2, "", Function.LANTAS)
    for i in range(1, 4):
        add(f"LTS-LAKA-{i:02d}", UnitKind.R4, ["lantas", "laka"], 3, "", Function.LANTAS)
    for i in range(1, 13):
        add(f"LTS-R2-{i:02d}", UnitKind.R2, ["lantas"], 1, "", Function.LANTAS)
    # Polsek: cars, motorbikes, foot patrols, a lantas bike and the posts in their area
    for code, _, _, _, _ in POLSEK:
        ps = org.polsek[code]
        for i in range(1, int(rng.integers(3, 6)) + 1):
            add(f"{code}-R4-{i:02d}", UnitKind.R4, ["patrol"], 2, code, Function.SAMAPTA, ps)
        for i in range(1, int(rng.integers(6, 11)) + 1):
            add(f"{code}-R2-{i:02d}", UnitKind.R2, ["patrol"], 1, code, Function.SAMAPTA, ps)
        for i in range(1, 3):
            add(f"{code}-JLK-{i:02d}", UnitKind.FOOT, ["patrol"], 2, code, Function.SAMAPTA, ps)
        add(f"{code}-LTS-01", UnitKind.R2, ["lantas"], 1, code, Function.LANTAS, ps)
    post_lon = np.array([p[1] for p in POSTS])
    post_lat = np.array([p[2] for p in POSTS])
    post_polsek = lookup.locate_many(post_lon, post_lat).polsek_id
    by_id = {p.pk: (c, p) for c, p in org.polsek.items()}
    count: dict[str, int] = defaultdict(int)
    for (_name, lon, lat), pid in zip(POSTS, post_polsek.tolist(), strict=True):
        if pid not in by_id:
            continue
        code, ps = by_id[pid]
        count[code] += 1
        add(
            f"{code}-POS-{count[code]:02d}",
            UnitKind.POST,
            ["post"],
            3,
            code,
            Function.SAMAPTA,
            ps,
            status=UnitStatus.AVAILABLE,
            pos=(lon, lat),
        )
    return rows


def build_units(org: Org, seed: int, now: dt.datetime) -> int:
    units = cad.bulk_create_units(org.polres, unit_rows(org, seed, now), synthetic=True)
    org.units = len(units)
    return org.units


# --- users ---------------------------------------------------------------------------------------

# username, role, scope ("polres" / "polsek:<code>" / "kelurahan" / "" installation), linked position
LOGINS = (
    ("admin", Role.ADMIN, "", ""),
    ("kapolres", Role.COMMANDER, "polres", "Kapolres"),
    ("kabagops", Role.KABAG_OPS, "polres", "Kabag Ops"),
    ("operator", Role.OPERATOR, "polres", None),
    ("dispatcher", Role.DISPATCHER, "polres", None),
    ("patroli", Role.PATROL, "polres", None),
    ("bhabin", Role.BHABIN, "kelurahan", None),
    ("intelkam", Role.INTELKAM, "polres", "Kasat Intelkam"),
    ("analis", Role.ANALYST, "polres", None),
    ("lantas", Role.LANTAS, "polres", "Kasat Lantas"),
    ("sdm", Role.STAFF, "polres", "Kabag SDM"),
    ("humas", Role.HUMAS, "polres", "Kasi Humas"),
    ("sikum", Role.LEGAL, "polres", None),
    ("mitra", Role.PARTNER, "polres", ""),
    ("warga", Role.CITIZEN, "", ""),
    ("operator.bekasitimur", Role.OPERATOR, "polsek:BKT", None),
)
LINK_FUNCTION = {
    "operator": Function.SPKT,
    "dispatcher": Function.OPS,
    "patroli": Function.SAMAPTA,
    "analis": Function.OPS,
    "operator.bekasitimur": Function.SPKT,
    "sikum": Function.SIUM,
}


def build_users(
    org: Org, bhabin_of: dict[str, str], password: str = DEMO_PASSWORD, progress=None
) -> dict[str, object]:
    users = {}
    polres = org.polres
    # the demo Bhabinkamtibmas: the first kelurahan (by code) that has one
    kel = sorted(bhabin_of)[0]
    bhabin = Personnel.objects.get(nrp=bhabin_of[kel])
    for username, role, scope, position in LOGINS:
        member = None
        if username == "bhabin":
            member = bhabin
        elif position:
            member = Personnel.objects.filter(polres=polres, position=position, polsek=None).first()
        elif position is None:
            qs = Personnel.objects.filter(polres=polres, user=None, position__startswith="Anggota")
            qs = qs.filter(function=LINK_FUNCTION.get(username, Function.SAMAPTA))
            if scope.startswith("polsek:"):
                qs = qs.filter(polsek=org.polsek[scope.split(":")[1]])
            if role == Role.PATROL:  # the patrol login rides in a unit, so /officer/ opens on it
                qs = qs.filter(units__isnull=False)
            member = qs.order_by("pk").first()
        kwargs = {}
        if scope == "polres":
            kwargs["polres"] = polres
        elif scope.startswith("polsek:"):
            kwargs["polsek"] = org.polsek[scope.split(":")[1]]
        elif scope == "kelurahan":
            kwargs["polsek"] = bhabin.polsek
            kwargs["kelurahan_code"] = kel
        first, _, last = (member.name if member else username.split(".")[0].title()).partition(" ")
        try:
            user = accounts.create_user(username, password, role, first_name=first, last_name=last, **kwargs)
        except Invalid as e:
            if e.field != "password":
                raise
            user = accounts.create_user(
                username, password, role, first_name=first, last_name=last, validate=False, **kwargs
            )
        if member is not None:
            resources.link_user(member, user)
        users[username] = user
        if progress:
            progress(1)
    org.users = users
    return users


def rank_pyramid(polres) -> dict[str, int]:
    counts = dict.fromkeys(RANKS, 0)
    for rank in Personnel.objects.filter(polres=polres).values_list("rank", flat=True):
        counts[rank] += 1
    return {r: c for r, c in counts.items() if c}
