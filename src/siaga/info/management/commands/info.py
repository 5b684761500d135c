import sys
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from siaga.core.context import acting
from siaga.core.errors import ServiceError

MAX_BYTES = 1_000_000


def _read(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        req = urllib.request.Request(source, headers={"User-Agent": "siaga-cap-import/1"})  # noqa: S310
        with urllib.request.urlopen(req, timeout=20) as resp:  # noqa: S310 (http(s) only, checked above)
            data = resp.read(MAX_BYTES + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"no such file: {source}")
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    return data


class Command(BaseCommand):
    help = "Information tools. `siaga info import-cap FILE|URL` stores a CAP 1.2 alert (e.g. from BMKG)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        imp = sub.add_parser("import-cap", help="import a CAP 1.2 document from a file or an http(s) URL")
        imp.add_argument("source")
        imp.add_argument("--polres", default="", help="Polres code (default: the first Polres)")
        sub.add_parser("expire", help="record published alerts past their expiry as expired")

    def handle(self, *args, sub, **opts):
        from siaga.info import alerts

        if sub == "expire":
            with acting(None, "info-expire"):
                n = alerts.expire_due()
            self.stdout.write(f"{n} alert(s) expired")
            return
        from siaga.territory.models import Polres

        polres = None
        if opts["polres"]:
            polres = Polres.objects.filter(code=opts["polres"]).first()
            if polres is None:
                raise CommandError(f"no Polres with code {opts['polres']}")
        try:
            data = _read(opts["source"])
        except OSError as e:
            raise CommandError(f"cannot read {opts['source']}: {e}") from e
        try:
            with acting(None, "info-import-cap"):
                alert, created = alerts.import_cap(data, source=opts["source"], polres=polres)
        except ServiceError as e:
            self.stderr.write(self.style.ERROR(f"refused: {e.message}"))
            sys.exit(2)
        verb = "imported" if created else "already stored"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {alert.identifier} ({alert.msg_type}, {alert.state})"))
