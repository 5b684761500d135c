"""`siaga ops live`: keep a shift going in the demo Polres (the live demo generator, cad.live)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Operations-room tools. `siaga ops live [--minutes N] [--speed X]` runs the live demo."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("live", help="ring calls and move automatic units in the demo Polres")
        p.add_argument(
            "--minutes", type=float, default=None, help="stop after N minutes (default: until Ctrl+C)"
        )
        p.add_argument(
            "--speed", type=float, default=1.0, help="compress delays and multiply rates (2 = twice as busy)"
        )
        p.add_argument("--calls-per-hour", type=float, default=40.0)
        p.add_argument("--interval", type=float, default=2.0, help="seconds between steps")
        p.add_argument("--polres", default="", help="Polres code (default: the demo Polres)")
        p.add_argument("--seed", type=int, default=None)

    def handle(self, *args, action, minutes, speed, calls_per_hour, interval, polres, seed, **opts):
        from django.conf import settings

        from siaga.cad import live
        from siaga.territory.models import Polres

        if speed <= 0 or speed > 100:
            raise CommandError("--speed must be above 0 and at most 100.")
        target = Polres.objects.filter(code=polres).first() if polres else live.demo_polres()
        if target is None:
            raise CommandError("No such Polres (build the demo first: siaga demo --no-serve).")
        if not settings.REDIS_URL:
            self.stderr.write(
                "Note: without SIAGA_REDIS_URL this process cannot push to a running server's browsers;"
                " their pages still pick the changes up on their periodic resync (30 s)."
            )
        params = live.Params(calls_per_hour=calls_per_hour, speed=speed)
        self.stdout.write(
            f"Live demo in {target.name}: {calls_per_hour:g} calls/h × {speed:g} (Ctrl+C stops)"
        )

        def report(done: dict) -> None:
            self.stdout.write(", ".join(f"{k} {v}" for k, v in sorted(done.items())))

        try:
            stats = live.run(
                target, interval=interval, minutes=minutes, params=params, seed=seed, report=report
            )
        except KeyboardInterrupt:
            return
        self.stdout.write("Totals: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
