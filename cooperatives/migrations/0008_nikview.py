"""The NIK view log moves from plut.top.privacy to cooperatives, beside the Person whose NIK
was shown (session 12, the floor plan: domain apps never import the top). Only Django's idea of
which app owns the model changes; the table, privacy_nikview, and its rows stay as they are."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0003_centre_whatsapp_map_url"),
        ("cooperatives", "0007_audit_trail_masks"),
        ("privacy", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NikView",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("channel", models.CharField(choices=[("page", "halaman"), ("api", "API"), ("admin", "admin")], max_length=10, verbose_name="saluran")),
                        ("viewed_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="waktu")),
                        ("centre", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="clinics.centre", verbose_name="PLUT")),
                        ("person", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="nik_views", to="cooperatives.person", verbose_name="orang")),
                        ("viewer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="nik_views", to=settings.AUTH_USER_MODEL, verbose_name="dilihat oleh")),
                    ],
                    options={
                        "verbose_name": "pembukaan NIK",
                        "verbose_name_plural": "pembukaan NIK",
                        "db_table": "privacy_nikview",
                        "ordering": ["-viewed_at", "-id"],
                    },
                ),
            ],
        ),
    ]
