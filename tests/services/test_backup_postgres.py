"""`siaga backup` / `siaga restore` on PostgreSQL: dump from one database while it is live, restore into an
empty one, prove the audit chain and the row counts; refuse a database that holds data. Needs a PostgreSQL
server on 127.0.0.1:5432 (skips locally without one, fails under CI=true); makes its own databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest

from tests.conftest import port_open, require
from tests.core.test_backup import FILL, manifest_of

pytestmark = pytest.mark.postgres
SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def databases():
    if not os.environ.get("SIAGA_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("runs in the PostgreSQL run of the suite (SIAGA_DATABASE_URL=postgresql://…)")
    require(port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432")
    require(shutil.which("pg_dump") is not None, "pg_dump is not installed (postgresql-client)")
    import psycopg

    names = [f"siaga_bk_{uuid.uuid4().hex[:8]}_{n}" for n in ("src", "dst")]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        for name in names:
            con.execute(f'CREATE DATABASE "{name}"')
    yield names
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        for name in names:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def siaga(db: str, data_dir, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, SIAGA_DATABASE_URL=f"{SERVER}/{db}", SIAGA_DATA_DIR=str(data_dir))
    done = subprocess.run(
        [sys.executable, "-m", "siaga.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check and done.returncode != 0:
        raise AssertionError(f"siaga {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def test_postgres_backup_restores_into_an_empty_database_and_proves_itself(databases, tmp_path):
    src, dst = databases
    siaga(src, tmp_path / "a", "migrate", "-v0")
    siaga(src, tmp_path / "a", "legal", "seed")
    siaga(src, tmp_path / "a", "shell", "-c", FILL)
    (tmp_path / "a" / "media").mkdir(exist_ok=True)
    (tmp_path / "a" / "media" / "letter.pdf").write_bytes(b"%PDF-1.4 test")
    archive = tmp_path / "pg.tar.gz"
    siaga(src, tmp_path / "a", "backup", "-o", str(archive))
    m = manifest_of(archive)
    assert m["engine"] == "postgresql" and m["audit_head"]["last_seq"] == 26
    assert m["counts"]["legal_regulation"] == 18

    done = siaga(dst, tmp_path / "b", "restore", str(archive))
    assert "audit chain intact (26 rows)" in done.stdout
    assert (tmp_path / "b" / "media" / "letter.pdf").read_bytes() == b"%PDF-1.4 test"
    assert "intact: 26 rows" in siaga(dst, tmp_path / "b", "audit", "verify").stdout

    siaga(dst, tmp_path / "b", "shell", "-c", FILL)  # the restored copy lives on
    again = siaga(dst, tmp_path / "b", "restore", str(archive), check=False)
    assert again.returncode != 0 and "already holds data" in again.stderr
    assert "intact: 51 rows" in siaga(dst, tmp_path / "b", "audit", "verify").stdout
