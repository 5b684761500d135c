"""`siaga analytics backtest --csv FILE [--horizon day|week] [--cell 150] [--train-from D] [--test-from D]
[--test-to D] [--plot FILE.svg] --format json|table`; `--database [--no-synthetic]` instead of `--csv`
reads this installation's incidents.

JSON output is one last line: {"methods": {...}, "forecasts": N, "events_tested": N, "cell_m": C}.
Bad CSV rows are reported on stderr with their line numbers and skipped (exit 3 with --strict).
Unusable input exits 2.
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from siaga.analytics import backtest, predict


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Territory analytics tools: backtests, risk classes, patrol plans."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        bt = sub.add_parser("backtest", help="rolling forecasts scored by hit rate, PAI and PEI")
        src = bt.add_mutually_exclusive_group(required=True)
        src.add_argument("--csv", metavar="FILE", help="columns timestamp, lat, lon, category")
        src.add_argument("--database", action="store_true", help="the incidents in the database")
        bt.add_argument(
            "--no-synthetic", action="store_true", help="with --database: leave synthetic ones out"
        )
        bt.add_argument("--horizon", choices=sorted(backtest.HORIZONS), default="week")
        bt.add_argument("--cell", type=float, default=150.0, help="cell size in metres (default 150)")
        bt.add_argument("--train-from", type=_date)
        bt.add_argument("--test-from", type=_date)
        bt.add_argument("--test-to", type=_date, help="exclusive")
        bt.add_argument("--methods", help="comma-separated subset of " + ", ".join(predict.METHODS))
        bt.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples (default 2000)")
        bt.add_argument("--strict", action="store_true", help="fail (exit 3) when any CSV row is bad")
        bt.add_argument("--format", choices=["json", "table"], default="table")
        bt.add_argument("--plot", metavar="FILE.svg", help="also write hit rate by share of area as SVG")
        rk = sub.add_parser("risk", help="compute and store the risk classes of every area for a week")
        rk.add_argument("--week", help="ISO week YYYY-Www (default: the current week)")
        rk.add_argument("--polres", help="Polres code (default: every Polres)")
        from siaga.analytics.patrol_cli import add_arguments as patrol_arguments

        patrol_arguments(sub.add_parser("patrol", help="draw up (and publish) a patrol plan for a shift"))

    def handle(self, *args, sub, **o):
        if sub == "risk":
            from siaga.analytics.risk_cli import run

            return run(self, **o)
        if sub == "patrol":
            from siaga.analytics.patrol_cli import run as run_patrol

            return run_patrol(self, **o)
        if not 10 <= o["cell"] <= 5000:
            raise CommandError("--cell must be between 10 and 5000 metres", returncode=2)
        methods = None
        if o["methods"]:
            methods = [m.strip() for m in o["methods"].split(",") if m.strip()]
            unknown = [m for m in methods if m not in predict.METHODS]
            if unknown:
                raise CommandError(f"unknown method(s): {', '.join(unknown)}", returncode=2)
            if "long_term_counts" not in methods:
                methods.insert(0, "long_term_counts")
        try:
            if o["csv"]:
                raw = backtest.read_csv(o["csv"])
            else:
                raw = backtest.read_database(include_synthetic=not o["no_synthetic"])
            for line, msg in raw.errors[:50]:
                self.stderr.write(f"line {line}: {msg}")
            if len(raw.errors) > 50:
                self.stderr.write(f"... and {len(raw.errors) - 50} more bad rows")
            if raw.errors and o["strict"]:
                raise CommandError(f"{len(raw.errors)} bad row(s)", returncode=3)
            res = backtest.run(
                raw,
                horizon=o["horizon"],
                cell=o["cell"],
                train_from=o["train_from"],
                test_from=o["test_from"],
                test_to=o["test_to"],
                methods=methods,
                bootstrap=o["bootstrap"],
            )
        except backtest.BadInput as e:
            raise CommandError(str(e), returncode=2) from e
        if raw.errors:
            self.stderr.write(f"{len(raw.errors)} bad row(s) skipped")
        if o["plot"]:
            try:
                with open(o["plot"], "w", encoding="utf-8") as fh:
                    fh.write(backtest.svg(res))
            except OSError as e:
                raise CommandError(f"cannot write {o['plot']}: {e.strerror or e}", returncode=2) from e
        if o["format"] == "table":
            self.stdout.write(backtest.table(res))
        else:
            self.stdout.write(json.dumps(res.as_json(), separators=(",", ":")))
