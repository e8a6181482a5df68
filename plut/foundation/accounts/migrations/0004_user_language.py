from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_consent_user_consent_at_user_email_verified_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("id", "Bahasa Indonesia"), ("en", "English")],
                default="id",
                max_length=8,
                verbose_name="bahasa",
            ),
        ),
    ]
