"""Tables updated with every position leave room in their pages for in-place (HOT) updates."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("table", ["cad_unit", "ingest_device"])
def test_position_tables_keep_room_for_updates_in_place(table):
    if connection.vendor != "postgresql":
        pytest.skip("fillfactor is a PostgreSQL storage setting; runs in the PostgreSQL pass")
    with connection.cursor() as cur:
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cur.fetchone()
    assert "fillfactor=70" in (options or [])
