from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from siaga.core import backup


class Command(BaseCommand):
    help = (
        "Restore a `siaga backup` file into the configured (empty) database and data directory, then verify "
        "the audit chain and every table's row count. Exits non-zero if the proof fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a file written by `siaga backup`")
        parser.add_argument("--force", action="store_true", help="overwrite a database that holds data")
        parser.add_argument("--with-keys", action="store_true", help="also restore keys stored in the backup")

    def handle(self, *args, archive, force=False, with_keys=False, **opts):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        try:
            manifest, proof = backup.restore(path, force=force, with_keys=with_keys)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not proof.ok:
            lines = [f"restored {path}, but the proof FAILED:"]
            if not proof.audit_ok:
                lines.append(f"  audit chain: {proof.audit_reason}")
            for table, (want, got) in sorted(proof.count_mismatches.items()):
                lines.append(f"  {table}: backup had {want} rows, restored {got}")
            raise CommandError("\n".join(lines))
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {path} (made {manifest['created_at']}):"
                f" audit chain intact ({proof.audit_rows} rows),"
                f" {len(manifest['counts'])} tables with the recorded row counts"
            )
        )
        if manifest.get("keys_included") and not with_keys:
            self.stdout.write("the backup holds keys; they were left out (pass --with-keys to restore them)")
