import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from siaga.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database and uploaded files into one .tar.gz (consistent while Siaga runs). "
        "Keys stay out unless --include-keys."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", help="file to write (default: DATA_DIR/backups/siaga-<UTC time>.tar.gz)"
        )
        parser.add_argument(
            "--include-keys",
            action="store_true",
            help="also store secret_key and field_key (then the backup reveals informant identities)",
        )

    def handle(self, *args, output=None, include_keys=False, **opts):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(output) if output else Path(settings.DATA_DIR) / "backups" / f"siaga-{stamp}.tar.gz"
        try:
            manifest = backup.create(path, include_keys=include_keys)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {path} ({manifest['engine']}, {len(manifest['counts'])} tables,"
                f" {rows} rows,"
                f" audit head #{manifest['audit_head']['last_seq']})"
            )
        )
