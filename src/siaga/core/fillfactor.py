"""Leave room in the pages of tables whose rows are updated all day (a unit's and a device's newest
position, a device's counters), so that PostgreSQL can update a row in place (a HOT update) instead of
writing a new row version into every index of the table. With full pages (the default fillfactor of
100) only about one update in ten was HOT in benchmarks/ingest; a device row has ten indexes."""

from __future__ import annotations


def set_fillfactor(table: str, percent: int):
    """A migration operation: ALTER TABLE … SET (fillfactor = percent) on PostgreSQL; nothing on SQLite."""
    from django.db import migrations

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            name = schema_editor.quote_name(table)
            schema_editor.execute(f"ALTER TABLE {name} SET (fillfactor = {int(percent)})")

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")

    return migrations.RunPython(forward, backward, elidable=False)
