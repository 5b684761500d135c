"""Full-text search index of the articles: an FTS5 table with triggers on SQLite, a GIN expression index
on PostgreSQL (see siaga.legal.search). Each operation runs only on its own database."""

from django.db import migrations


class VendorSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor (the statements of the other are not portable)."""

    def __init__(self, vendor, sql, reverse_sql=None):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def postgres_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from siaga.legal.search import pg_setup

    with schema_editor.connection.cursor() as cursor:
        pg_setup(cursor)


def drop_postgres_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS legal_article_search")


def sqlite_statements():
    from siaga.legal.search import SQLITE_SETUP, SQLITE_TEARDOWN

    return SQLITE_SETUP, SQLITE_TEARDOWN


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [
        VendorSQL("sqlite", *sqlite_statements()),
        migrations.RunPython(postgres_index, drop_postgres_index),
    ]
