"""`siaga geofence ...`: fences from the command line.

    siaga geofence import-polsek --polres CODE      one polsek_area fence per Polsek (created or redrawn)
    siaga geofence sweep                            dwell alerts and clean-up now (the ops ticker does it too)

Validation errors are printed, nothing is written and the exit code is 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from siaga.core.context import acting, new_request_id
from siaga.core.errors import ServiceError
from siaga.geofences import engine, services
from siaga.territory.models import Polres


class _System:
    """The command line acts as the installation administrator (the operator of the machine)."""

    pk = None
    is_authenticated = True
    is_active = True
    role = "admin"
    polres_id = polsek_id = polda_id = None
    kelurahan_code = ""


class Command(BaseCommand):
    help = "Geofences: import Polsek areas as fences; run the dwell sweep."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import-polsek", help="one polsek_area fence per Polsek of a Polres")
        imp.add_argument("--polres", required=True, help="the Polres code, e.g. POLRES-BEKASI-KOTA")
        sub.add_parser("sweep", help="raise due dwell alerts and drop ended states")

    def handle(self, *args, **opts):
        if opts["action"] == "sweep":
            with acting(None, new_request_id("cli")):
                counts = engine.sweep()
            self.stdout.write(f"dwell alerts: {counts['dwell']}, states dropped: {counts['dropped']}")
            return
        polres = Polres.objects.filter(code=opts["polres"]).first()
        if polres is None:
            raise CommandError(f"No Polres with code {opts['polres']!r}.")
        actor = _System()
        try:
            with acting(None, new_request_id("cli")):
                counts = services.import_polsek_areas(actor, polres)
        except ServiceError as e:
            raise CommandError(e.message) from e
        self.stdout.write(
            f"{polres.name}: {counts['created']} created, {counts['updated']} redrawn, "
            f"{counts['skipped']} Polsek without polygons"
        )
