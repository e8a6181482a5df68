"""The NIK view log now belongs to cooperatives (its 0008): privacy lets go of the model only;
the table and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("cooperatives", "0008_nikview"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="NikView")]),
    ]
