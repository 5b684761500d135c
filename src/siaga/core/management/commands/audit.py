import sys

from django.core.management.base import BaseCommand
from rich.progress import Progress

from siaga.core import audit
from siaga.core.models import AuditHead


class Command(BaseCommand):
    help = (
        "Audit trail tools. `siaga audit verify` checks the hash chain and exits 1 on the first broken link."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("verify", help="verify the hash chain")

    def handle(self, *args, sub, **opts):
        head = AuditHead.objects.filter(id=1).first()
        total = head.last_seq if head else 0
        with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("verifying", total=total)
            result = audit.verify(progress=lambda n: bar.advance(task, n))
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} rows verified"))
            return
        self.stderr.write(
            self.style.ERROR(
                f"audit chain BROKEN at row {result.broken.seq}: {result.broken.reason}"
                f" ({result.checked} rows verified before it)"
            )
        )
        sys.exit(1)
