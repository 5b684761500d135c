"""`siaga demo`: build Polres Metro Bekasi Kota with two years of synthetic history, then serve it."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Build the demo Polres (Polres Metro Bekasi Kota) in the data directory and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same demo)")
        parser.add_argument("--days", type=int, default=730, help="days of history ending now")
        parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate (0.1 = a tenth)")
        parser.add_argument("--no-serve", action="store_true", help="build and print the logins only")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="empty the WHOLE database first (flush), then build; the demo owns its data directory",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, seed, days, scale, no_serve, rebuild, host, port, **opts):
        from rich.console import Console
        from rich.table import Table

        from siaga.demo.build import build_demo, demo_polres
        from siaga.demo.org import DEMO_PASSWORD, LOGINS

        console = Console()
        t0 = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        if rebuild and demo_polres() is not None:
            console.print("[yellow]--rebuild: emptying the database (flush)[/]")
            call_command("flush", interactive=False, verbosity=0)
        if demo_polres() is None:
            result = build_demo(seed, days=days, scale=scale, console=console)
            elapsed = time.perf_counter() - t0
            summary = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
            console.print(f"[green]Built {result.polres.name}[/] in {elapsed:.1f} s: {summary}")
            console.print("Stages (s): " + ", ".join(f"{k} {v}" for k, v in result.timings.items()))
        else:
            console.print("The demo Polres exists already (use --rebuild to start again).")
        table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
        table.add_column("username")
        table.add_column("role")
        table.add_column("scope")
        for username, role, scope, _ in LOGINS:
            where = {"": "installation" if role == "admin" else "-", "polres": "Polres"}.get(scope, scope)
            table.add_row(username, str(role.label), where)
        console.print(table)
        console.print(f"Data directory: {settings.DATA_DIR}")
        if not no_serve:
            call_command("run", host=host, port=port, live_demo=settings.SIAGA_LIVE_DEMO is not False)
