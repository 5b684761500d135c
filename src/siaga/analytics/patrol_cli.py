"""`siaga analytics patrol --polres CODE --date D --shift pagi [--polsek CODE] [--method M] [--units N,..]
[--visit-minutes 15] [--patrol-minutes 120] [--publish] [--dosage PLAN_ID]`.

Prints one JSON line: the plan's id, status and summary (or, with --dosage, the dosage of a plan).
Bad input exits 2 and stores nothing.
"""

import json

from django.core.management.base import CommandError

from siaga.core.errors import ServiceError


def add_arguments(p) -> None:
    p.add_argument("--polres", help="Polres code (required unless --dosage)")
    p.add_argument("--polsek", help="Polsek code: plan its area and units only")
    p.add_argument("--date", help="local date of the shift start, YYYY-MM-DD (default: today)")
    p.add_argument("--shift", default="pagi", help="shift name of the Polres, or HH:MM-HH:MM")
    p.add_argument("--method", help="forecast method (default blend)")
    p.add_argument("--units", help="comma-separated unit ids (default: on-duty patrol units)")
    p.add_argument("--visit-minutes", type=int, help="minutes per visit (default 15)")
    p.add_argument("--patrol-minutes", type=int, help="patrol minutes per unit in the shift (default 120)")
    p.add_argument("--cell", type=float, help="cell size in metres (default 150)")
    p.add_argument("--publish", action="store_true", help="publish the plan to the officers")
    p.add_argument("--dosage", type=int, metavar="PLAN_ID", help="record the dosage of a published plan")


def run(
    cmd,
    *,
    polres=None,
    polsek=None,
    date=None,
    shift="pagi",
    method=None,
    units=None,
    visit_minutes=None,
    patrol_minutes=None,
    cell=None,
    publish=False,
    dosage=None,
    **_,
) -> None:
    from django.utils import timezone

    from siaga.territory.models import Polres, Polsek

    from . import patrol

    try:
        if dosage is not None:
            res = patrol.record_dosage(None, dosage)
            cmd.stdout.write(json.dumps({k: v for k, v in res.items() if k != "items"}))
            return
        p = Polres.objects.filter(code=polres or "").first()
        if p is None:
            raise CommandError(f"no Polres with code {polres!r}", returncode=2)
        ps = None
        if polsek:
            ps = Polsek.objects.filter(polres=p, code=polsek).first()
            if ps is None:
                raise CommandError(f"no Polsek {polsek!r} in {p.code}", returncode=2)
        ids = None
        if units:
            ids = [u.strip() for u in units.split(",") if u.strip()]
        plan = patrol.generate(
            None,
            p,
            date or timezone.localdate(),
            shift,
            polsek=ps,
            unit_ids=ids,
            method=method,
            visit_minutes=visit_minutes,
            patrol_minutes=patrol_minutes,
            cell_m=cell,
        )
        if publish:
            plan = patrol.publish_plan(None, plan.pk)
    except ServiceError as e:
        raise CommandError(str(e), returncode=2) from None
    cmd.stdout.write(
        json.dumps(
            {
                "id": plan.pk,
                "status": plan.status,
                "date": plan.date.isoformat(),
                "shift": plan.shift,
                **plan.summary,
            }
        )
    )
