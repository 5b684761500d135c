"""Backup and restore of a whole installation: the database (SQLite or PostgreSQL) and uploaded files.

A backup is one gzip'd tar:

    manifest.json   format, engine, when, schema (last migration per app), row count per table and the
                    audit chain's head, all read from the same snapshot as the database copy
    db.sqlite3      SQLite: an online copy made with SQLite's backup API (consistent while writers run)
    db.pgdump       PostgreSQL: `pg_dump -Fc` of an exported snapshot (the counts come from that snapshot)
    media/...       uploaded files (report photos, attachments, letters)
    keys/...        only with --include-keys: the data directory's secret_key and field_key

Keys stay out by default: a backup that carries the field key also carries every informant's identity in
clear. Keep the keys (or SIAGA_SECRET_KEY / SIAGA_FIELD_KEY) in a separate, safer place.

Restore refuses a database that already holds data (unless forced), puts the copy in place, migrates it
forward if the code is newer, then proves the result: the audit chain verifies and every table holds the
row count the manifest recorded. A restore that fails the proof exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

FORMAT = "siaga-backup/1"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Proof:
    audit_rows: int
    audit_ok: bool
    audit_reason: str = ""
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (manifest, now)

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.count_mismatches


def _tables() -> list[str]:
    """Every table of the installed models (auto-created many-to-many tables included), sorted."""
    names = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            names.add(model._meta.db_table)
    return sorted(names)


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _counts(cursor, tables: list[str], quote) -> dict[str, int]:
    present = set(_existing_tables(cursor))
    out = {}
    for t in tables:
        if t in present:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(t)}")  # noqa: S608 (model table names)
            out[t] = int(cursor.fetchone()[0])
    return out


def _existing_tables(cursor) -> list[str]:
    if _engine() == "postgresql" and not isinstance(cursor, sqlite3.Cursor):
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return [r[0] for r in cursor.fetchall()]


def _head(cursor, quote) -> dict:
    from siaga.core.models import AuditHead

    table = AuditHead._meta.db_table
    if table not in set(_existing_tables(cursor)):
        return {"last_seq": 0, "last_hash": None}
    cursor.execute(f"SELECT last_seq, last_hash FROM {quote(table)} WHERE id = 1")  # noqa: S608
    row = cursor.fetchone()
    return {"last_seq": int(row[0]), "last_hash": row[1]} if row else {"last_seq": 0, "last_hash": None}


def _schema() -> dict[str, str]:
    """The last applied migration per app: restore migrates an older backup forward, refuses a newer one."""
    from django.db.migrations.recorder import MigrationRecorder

    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > last.get(app, ""):
            last[app] = name
    return last


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _pg_env(db: dict) -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for the configured PostgreSQL database (password via env)."""
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise BackupError(f"{tool} is not installed (PostgreSQL client tools are needed for this database).")
    return path


def create(output: Path, *, include_keys: bool = False) -> dict:
    """Write a backup to `output` (a .tar.gz path). Returns the manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tables = _tables()
    manifest = {
        "format": FORMAT,
        "engine": _engine(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "schema": _schema(),
        "keys_included": include_keys,
    }
    with tempfile.TemporaryDirectory(prefix="siaga-backup-") as tmp:
        if manifest["engine"] == "sqlite":
            db_file = Path(tmp) / "db.sqlite3"
            _sqlite_snapshot(db_file)
            copy = sqlite3.connect(db_file)
            try:
                cur = copy.cursor()
                quote = lambda t: f'"{t}"'  # noqa: E731
                manifest["counts"] = _counts(cur, tables, quote)
                manifest["audit_head"] = _head(cur, quote)
            finally:
                copy.close()
        else:
            db_file = Path(tmp) / "db.pgdump"
            manifest.update(_pg_snapshot(db_file, tables))
        tmp_out = output.with_name(output.name + ".part")
        with tarfile.open(tmp_out, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
            tar.add(db_file, arcname=db_file.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
            if include_keys:
                for name in ("secret_key", "field_key"):
                    key = Path(settings.DATA_DIR) / name
                    if key.is_file():
                        tar.add(key, arcname=f"keys/{name}")
        os.replace(tmp_out, output)  # a half-written backup never carries the final name
    return manifest


def _sqlite_snapshot(dest: Path) -> None:
    """SQLite's online backup: a consistent copy even while other processes write (WAL included)."""
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _pg_snapshot(dest: Path, tables: list[str]) -> dict:
    """Count rows and dump inside one exported snapshot, so the manifest describes exactly the dump."""
    pg_dump = _need("pg_dump")
    db = connection.settings_dict
    args, env = _pg_env(db)
    connection.ensure_connection()
    raw = connection.connection  # a dedicated transaction on the Django connection's psycopg connection
    prev_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            quote = lambda t: '"' + t.replace('"', '""') + '"'  # noqa: E731
            counts = _counts(cur, tables, quote)
            head = _head(cur, quote)
            done = subprocess.run(  # noqa: S603 (our settings, no shell)
                [
                    pg_dump,
                    *args,
                    "-Fc",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(dest),
                    db["NAME"],
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        raw.rollback()
    finally:
        raw.autocommit = prev_autocommit
    return {"counts": counts, "audit_head": head}


# --- restore ---------------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Siaga backup ({exc}).") from exc
    if not manifest or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Siaga backup of format {FORMAT}.")
    return manifest


def _holds_data() -> bool:
    with connection.cursor() as cur:
        present = set(_existing_tables(cur))
    from siaga.core.models import AuditEntry

    if AuditEntry._meta.db_table not in present:
        return False
    return AuditEntry.objects.exists() or apps.get_model("territory", "Polres").objects.exists()


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Only plain files and directories under known names: a crafted archive cannot write elsewhere."""
    members = []
    for m in tar.getmembers():
        path = Path(m.name)
        if path.is_absolute() or ".." in path.parts or not (m.isfile() or m.isdir()):
            raise BackupError(f"The backup holds an unsafe entry: {m.name!r}.")
        members.append(m)
    return members


def restore(archive: Path, *, force: bool = False, with_keys: bool = False) -> tuple[dict, Proof]:
    """Restore `archive` into the configured database and data directory, then prove it."""
    manifest = read_manifest(archive)
    if manifest["engine"] != _engine():
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; the configured database is {_engine()}."
        )
    newer = {
        app: name
        for app, name in manifest.get("schema", {}).items()
        if name > _code_migrations().get(app, "")
    }
    if newer:
        raise BackupError(f"The backup was made by a newer Siaga (migrations {newer}); upgrade first.")
    if _holds_data() and not force:
        raise BackupError("The database already holds data; restore into an empty one (or pass --force).")
    with tempfile.TemporaryDirectory(prefix="siaga-restore-") as tmp, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp, members=_safe_members(tar), filter="data")
        root = Path(tmp)
        if manifest["engine"] == "sqlite":
            _restore_sqlite(root / "db.sqlite3")
        else:
            _restore_postgres(root / "db.pgdump")
        media_src = root / "media"
        if media_src.is_dir():
            shutil.copytree(media_src, settings.MEDIA_ROOT, dirs_exist_ok=True)
        if with_keys and (root / "keys").is_dir():
            for key in (root / "keys").iterdir():
                target = Path(settings.DATA_DIR) / key.name
                shutil.copyfile(key, target)
                target.chmod(0o600)
    counted = _count_mismatches(manifest)  # the copy as restored, before migrations may add rows
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return manifest, prove(manifest, counted)


def _code_migrations() -> dict[str, str]:
    from django.db.migrations.loader import MigrationLoader

    last: dict[str, str] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        if name > last.get(app, ""):
            last[app] = name
    return last


def _restore_sqlite(src: Path) -> None:
    """Copy the snapshot in through SQLite's backup API (the target's WAL and locks stay consistent)."""
    if not src.is_file():
        raise BackupError("The backup has no db.sqlite3.")
    check = sqlite3.connect(src)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"The database in the backup is damaged: {ok}.")
        connection.ensure_connection()
        check.backup(connection.connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The database in the backup is not readable: {exc}.") from exc
    finally:
        check.close()
    connection.close()  # the next query opens the restored file afresh


def _restore_postgres(src: Path) -> None:
    pg_restore = _need("pg_restore")
    if not src.is_file():
        raise BackupError("The backup has no db.pgdump.")
    db = connection.settings_dict
    args, env = _pg_env(db)
    connection.close()
    done = subprocess.run(  # noqa: S603 (our settings, no shell)
        [
            pg_restore,
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "-d",
            db["NAME"],
            str(src),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")


def _count_mismatches(manifest: dict) -> dict[str, tuple[int, int]]:
    with connection.cursor() as cur:
        now = _counts(cur, sorted(manifest.get("counts", {})), connection.ops.quote_name)
    return {t: (n, now.get(t, -1)) for t, n in manifest.get("counts", {}).items() if now.get(t, -1) != n}


def prove(manifest: dict, mismatches: dict[str, tuple[int, int]] | None = None) -> Proof:
    """The restored installation's audit chain verifies and its row counts equal the manifest's."""
    from siaga.core import audit

    if mismatches is None:
        mismatches = _count_mismatches(manifest)
    result = audit.verify()
    head = manifest.get("audit_head") or {}
    reason = "" if result.ok else f"row {result.broken.seq}: {result.broken.reason}"
    ok = result.ok and result.checked == int(head.get("last_seq") or 0)
    if result.ok and not ok:
        reason = f"{result.checked} audit rows, the backup recorded {head.get('last_seq')}"
    return Proof(audit_rows=result.checked, audit_ok=ok, audit_reason=reason, count_mismatches=mismatches)
