"""`siaga legal seed` loads the bundled library; `siaga legal import FILE --kind UU --number 22 --year 2009`
loads a regulation's official text from a plain-text file ("BAB I", "Pasal 1", "(1)" layout)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from siaga.core.context import acting
from siaga.core.errors import ServiceError
from siaga.legal import library
from siaga.legal.models import Kind


class Command(BaseCommand):
    help = "Legal library tools: seed the bundled library, import a regulation's full text."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("seed", help="load or refresh the bundled regulations, KUHP mapping and FAQ")
        imp = sub.add_parser("import", help="import a regulation's text from a UTF-8 text file ('-' = stdin)")
        imp.add_argument("file")
        imp.add_argument("--kind", required=True, choices=Kind.values)
        imp.add_argument("--number", required=True)
        imp.add_argument("--year", required=True, type=int)
        imp.add_argument("--title", default="", help="required when the regulation is new")
        imp.add_argument("--short-name", default="")

    def handle(self, *args, sub, **opts):
        with acting(None, "cli-legal"):
            try:
                if sub == "seed":
                    counts = library.load_seed()
                    self.stdout.write(
                        self.style.SUCCESS(
                            "library seeded: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                        )
                    )
                    return
                path = opts["file"]
                if path == "-":
                    text = sys.stdin.read()
                else:
                    try:
                        text = Path(path).read_text(encoding="utf-8-sig")
                    except (OSError, UnicodeDecodeError) as e:
                        raise CommandError(f"cannot read {path}: {e}") from e
                reg = library.import_text(
                    None,
                    text,
                    kind=opts["kind"],
                    number=opts["number"],
                    year=opts["year"],
                    title=opts["title"],
                    short_name=opts["short_name"],
                )
            except ServiceError as e:
                raise CommandError(e.message) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"{reg.citation}: {reg.articles.count()} articles imported (/hukum/{reg.slug}/)"
            )
        )
