from django.db import migrations

from siaga.core.fillfactor import set_fillfactor


class Migration(migrations.Migration):
    dependencies = [("cad", "0003_unitposition")]

    # a unit's position is updated with every fix its devices send: room for in-place updates
    operations = [set_fillfactor("cad_unit", 70)]
