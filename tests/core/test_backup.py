"""`siaga backup` / `siaga restore` on SQLite, as an operator runs them: separate processes, real data
directories. The restore goes into an empty data directory and must prove itself (audit chain, row counts);
every refusal leaves the target as it was. PostgreSQL: tests/services/test_backup_postgres.py."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

SIAGA = [sys.executable, "-m", "siaga.cli"]

FILL = """
from django.db import transaction
from siaga.core import audit
from siaga.core.context import acting
with acting(None, "backup-test"), transaction.atomic():
    for i in range(25):
        audit.append("test.row", object_type="test", object_id=i, after={"i": i})
"""


def siaga(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIAGA_DATABASE")}
    env["SIAGA_DATA_DIR"] = str(data_dir)
    done = subprocess.run([*SIAGA, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"siaga {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("source")
    siaga(data, "migrate", "-v0")
    siaga(data, "legal", "seed")
    siaga(data, "shell", "-c", FILL)
    (data / "media" / "reports").mkdir(parents=True)
    (data / "media" / "reports" / "photo.jpg").write_bytes(b"\xff\xd8\xff fake jpeg")
    return data


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("backups") / "b.tar.gz"
    done = siaga(source, "backup", "-o", str(out))
    assert "audit head #26" in done.stdout
    return out


def manifest_of(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def rewrite(src: Path, dst: Path, change) -> None:
    """Copy a backup, letting `change(name, bytes) -> bytes | None` alter or drop members."""
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dst, "w:gz") as tout:
        for m in tin.getmembers():
            data = tin.extractfile(m).read() if m.isfile() else None
            if data is not None:
                data = change(m.name, data)
                if data is None:
                    continue
                m.size = len(data)
                tout.addfile(m, io.BytesIO(data))
            else:
                tout.addfile(m)


def test_backup_records_counts_and_head_and_leaves_keys_out(archive):
    m = manifest_of(archive)
    assert m["format"] == "siaga-backup/1" and m["engine"] == "sqlite"
    assert m["audit_head"]["last_seq"] == 26  # the library seed's row + 25
    assert m["counts"]["core_auditentry"] == 26
    assert m["counts"]["legal_regulation"] == 18
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
    assert "db.sqlite3" in names and "media/reports/photo.jpg" in names
    assert not any(n.startswith("keys/") for n in names)


def test_restore_into_an_empty_data_directory_proves_itself(archive, source, tmp_path):
    done = siaga(tmp_path, "restore", str(archive))
    assert "audit chain intact (26 rows)" in done.stdout
    assert rows(tmp_path / "siaga.sqlite3", "legal_regulation") == 18
    assert (tmp_path / "media" / "reports" / "photo.jpg").read_bytes() == b"\xff\xd8\xff fake jpeg"
    assert "intact: 26 rows" in siaga(tmp_path, "audit", "verify").stdout


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(archive, tmp_path):
    siaga(tmp_path, "restore", str(archive))
    siaga(tmp_path, "shell", "-c", FILL)  # the restored installation lives on: 25 more rows
    done = siaga(tmp_path, "restore", str(archive), check=False)
    assert done.returncode != 0
    assert "already holds data" in done.stderr
    assert rows(tmp_path / "siaga.sqlite3", "core_auditentry") == 51


def test_restore_force_replaces_what_is_there(archive, tmp_path):
    siaga(tmp_path, "restore", str(archive))
    siaga(tmp_path, "shell", "-c", FILL)
    siaga(tmp_path, "restore", "--force", str(archive))
    assert rows(tmp_path / "siaga.sqlite3", "core_auditentry") == 26


def test_a_backup_whose_copy_lost_an_audit_row_fails_the_proof(archive, tmp_path):
    bad = tmp_path / "bad.tar.gz"

    def drop_row(name, data):
        if name != "db.sqlite3":
            return data
        db = tmp_path / "x.sqlite3"
        db.write_bytes(data)
        con = sqlite3.connect(db)
        con.execute("DELETE FROM core_auditentry WHERE seq = 7")
        con.commit()
        con.close()  # the last close folds the WAL back into the file
        return db.read_bytes()

    rewrite(archive, bad, drop_row)
    done = siaga(tmp_path / "target", "restore", str(bad), check=False)
    assert done.returncode != 0
    assert "proof FAILED" in done.stderr
    assert "core_auditentry: backup had 26 rows, restored 25" in done.stderr
    assert "row 7 is missing" in done.stderr


def test_unsafe_member_names_are_refused_before_anything_is_written(archive, tmp_path):
    bad = tmp_path / "evil.tar.gz"  # the real backup plus an entry that would escape the data directory
    with tarfile.open(archive, "r:gz") as tin, tarfile.open(bad, "w:gz") as tout:
        for m in tin.getmembers():
            tout.addfile(m, tin.extractfile(m) if m.isfile() else None)
        evil = tarfile.TarInfo("../../escaped.txt")
        evil.size = 3
        tout.addfile(evil, io.BytesIO(b"bad"))
    target = tmp_path / "target"
    done = siaga(target, "restore", str(bad), check=False)
    assert done.returncode != 0 and "unsafe entry" in done.stderr
    assert not (tmp_path / "escaped.txt").exists()
    assert not (target / "siaga.sqlite3").exists() or rows(target / "siaga.sqlite3", "sqlite_master") == 0


def test_not_a_backup_and_wrong_engine_and_newer_schema_are_refused(archive, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    done = siaga(tmp_path / "t1", "restore", str(junk), check=False)
    assert done.returncode != 0 and "is not a Siaga backup" in done.stderr

    def set_manifest(**changes):
        def change(name, data):
            if name != "manifest.json":
                return data
            m = json.loads(data)
            for k, v in changes.items():
                m[k] = v if not callable(v) else v(m[k])
            return json.dumps(m).encode()

        return change

    other = tmp_path / "pg.tar.gz"
    rewrite(archive, other, set_manifest(engine="postgresql"))
    done = siaga(tmp_path / "t2", "restore", str(other), check=False)
    assert done.returncode != 0 and "postgresql database" in done.stderr

    newer = tmp_path / "newer.tar.gz"
    rewrite(archive, newer, set_manifest(schema=lambda s: {**s, "core": "9999_future"}))
    done = siaga(tmp_path / "t3", "restore", str(newer), check=False)
    assert done.returncode != 0 and "newer Siaga" in done.stderr
    for t in ("t1", "t2", "t3"):
        db = tmp_path / t / "siaga.sqlite3"
        assert not db.exists() or rows(db, "sqlite_master") == 0


def test_keys_only_on_request(source, tmp_path):
    out = tmp_path / "k.tar.gz"
    siaga(source, "backup", "--include-keys", "-o", str(out))
    with tarfile.open(out, "r:gz") as tar:
        assert "keys/secret_key" in tar.getnames()
    target = tmp_path / "t"
    done = siaga(target, "restore", str(out))
    assert "pass --with-keys" in done.stdout
    assert (target / "secret_key").read_bytes() != (source / "secret_key").read_bytes()
    target2 = tmp_path / "t2"
    siaga(target2, "restore", "--with-keys", str(out))
    assert (target2 / "secret_key").read_bytes() == (source / "secret_key").read_bytes()
