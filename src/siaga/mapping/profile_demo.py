"""Demo case files (SARA) over the demo's incidents and problems, made through the case-file service:
one in response for the Bhabinkamtibmas's kelurahan (its impact measured), one in analysis by Intelkam,
one kecamatan-wide at scanning by Kabag Ops. Called at the end of siaga.mapping.demo.build."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from siaga.accounts.models import User
from siaga.cad.models import Incident
from siaga.core.context import acting
from siaga.core.notifications import muted
from siaga.core.roles import Role

from . import casefiles
from .models import Problem

WEEK = dt.timedelta(weeks=1)
THEFT = ("curanmor", "curat", "pencurian", "curas")


def _user(username: str, role: str):
    return User.objects.filter(username=username, role=role, is_active=True).first()


def _top_category(polres, where: dict, since: dt.datetime, among: tuple[str, ...]) -> str | None:
    cats = Counter(
        Incident.objects.filter(
            polres=polres, received_at__gte=since, category__in=among, **where
        ).values_list("category", flat=True)
    )
    return cats.most_common(1)[0][0] if cats else None


def _incidents(polres, where: dict, category: str, until: dt.datetime, n: int = 5) -> list[int]:
    qs = Incident.objects.filter(polres=polres, category=category, received_at__lt=until, **where)
    return list(qs.order_by("-received_at").values_list("pk", flat=True)[:n])


def build(polres, now: dt.datetime, seed: int = 0) -> dict[str, int]:
    bhabin, intel = _user("bhabin", Role.BHABIN), _user("intelkam", Role.INTELKAM)
    ops = _user("kabagops", Role.KABAG_OPS) or intel
    if not (bhabin and intel and bhabin.kelurahan_code):
        return {}
    home = bhabin.kelurahan_code
    made = 0
    with muted():
        # 1. the Bhabinkamtibmas's kelurahan: response began six weeks ago, impact over 6 + 6 weeks
        start = now - 6 * WEEK
        cat = _top_category(polres, {"kelurahan_code": home}, now - 26 * WEEK, THEFT) or "curanmor"
        probs = list(
            Problem.objects.filter(polres=polres, kelurahan_code=home).values_list("pk", flat=True)[:2]
        )
        with acting(bhabin, f"demo-casefile-{seed}-1"):
            cf = casefiles.create(
                bhabin,
                title=f"Penanganan {cat} di lingkungan pasar",
                area_level="kelurahan",
                area_key=home,
                scanning="Laporan berulang di sekitar pasar dan parkiran warga pada malam hari.",
                categories=[cat],
                problem_ids=probs,
                incident_ids=_incidents(polres, {"kelurahan_code": home}, cat, start),
                impact_weeks=6,
                at=now - 10 * WEEK,
            )
            casefiles.update(
                bhabin,
                cf.pk,
                analysis="Pola: pukul 19–23, parkiran tanpa penjaga, penerangan kurang.",
                response="Ronda bersama FKPM, lampu tambahan, parkir berpenjaga.",
                at=now - 8 * WEEK,
            )
            casefiles.advance(bhabin, cf.pk, stage="analysis", at=now - 8 * WEEK)
            casefiles.advance(bhabin, cf.pk, stage="response", at=start)
        made += 1
        # 2. a brawl problem followed by Intelkam, in analysis
        brawl = Problem.objects.filter(polres=polres, kind="brawl").exclude(kelurahan_code="").first()
        if brawl is not None:
            with acting(intel, f"demo-casefile-{seed}-2"):
                cf = casefiles.create(
                    intel,
                    title="Tawuran pelajar antar-sekolah",
                    area_level="kelurahan",
                    area_key=brawl.kelurahan_code,
                    scanning="Dua bentrokan pelajar dalam sebulan di jembatan kali.",
                    categories=["tawuran", "penganiayaan"],
                    problem_ids=[brawl.pk],
                    impact_weeks=8,
                    at=now - 3 * WEEK,
                )
                casefiles.advance(intel, cf.pk, stage="analysis", at=now - 2 * WEEK)
            made += 1
        # 3. kecamatan-wide traffic accidents, just opened by Kabag Ops
        kec = home.rsplit(".", 1)[0]
        with acting(ops, f"demo-casefile-{seed}-3"):
            casefiles.create(
                ops,
                title="Kecelakaan lalu lintas di jalan arteri",
                area_level="kecamatan",
                area_key=kec,
                scanning="Laka meningkat pada jam pulang kerja.",
                categories=["laka"],
                impact_weeks=8,
                at=now - WEEK,
            )
        made += 1
    return {"casefiles": made}
