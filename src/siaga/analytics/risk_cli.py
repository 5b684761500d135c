"""`siaga analytics risk [--week YYYY-Www] [--polres CODE]`: compute and store the week's risk snapshots."""

import json

from django.core.management.base import CommandError

from siaga.core.errors import ServiceError


def run(cmd, *, week=None, polres=None, **_):
    from siaga.territory.models import Polres

    from . import risk

    qs = Polres.objects.order_by("code")
    if polres:
        qs = qs.filter(code=polres)
        if not qs.exists():
            raise CommandError(f"no Polres with code {polres!r}", returncode=2)
    try:
        monday = risk.week_start(week)
        for p in qs:
            summary = risk.compute(None, p, monday)
            cmd.stdout.write(json.dumps({"polres": p.code, **summary}))
    except ServiceError as e:
        raise CommandError(str(e), returncode=2) from None
