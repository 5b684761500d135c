from django.db import migrations

from siaga.core.fillfactor import set_fillfactor


class Migration(migrations.Migration):
    dependencies = [("ingest", "0002_devicealert_title_key")]

    # every accepted batch updates each device's counters and newest fix: room for in-place updates
    operations = [set_fillfactor("ingest_device", 70)]
