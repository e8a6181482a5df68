"""Issue #28's review:

- ``Message.last_error`` becomes ``last_error_texts``, every language's text
  ({"id": ..., "en": ...}): a worker runs in no reader's language. A reason stored before, in
  one language, is kept for every language.
- An opt-out is per channel (WhatsApp or SMS) and kept when lifted, with the time of the word
  that set it. A number that opted out before asked for no more WhatsApp *and* SMS: it is kept
  on both channels.
- A WhatsApp phone-number id belongs to one centre; the test message's receipts are kept.
"""

import django.core.validators
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def _reasons_to_every_language(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    languages = [code for code, _name in settings.LANGUAGES]
    batch = []
    for message in Message.objects.exclude(last_error="").only("pk", "last_error").iterator():
        message.last_error_texts = dict.fromkeys(languages, message.last_error)
        batch.append(message)
        if len(batch) == 1000:
            Message.objects.bulk_update(batch, ["last_error_texts"])
            batch = []
    Message.objects.bulk_update(batch, ["last_error_texts"])


def _reasons_to_one_language(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    for message in Message.objects.exclude(last_error_texts={}).only("pk", "last_error_texts"):
        text = message.last_error_texts.get(settings.LANGUAGE_CODE, "")
        Message.objects.filter(pk=message.pk).update(last_error=text)


def _opt_outs_on_both_channels(apps, schema_editor):
    OptOut = apps.get_model("messaging", "OptOut")
    for row in list(OptOut.objects.all()):
        row.channel = "whatsapp" if row.source == "whatsapp" else "sms"
        row.changed_at = row.created_at
        row.save(update_fields=["channel", "changed_at"])
        OptOut.objects.create(
            phone=row.phone,
            channel="sms" if row.channel == "whatsapp" else "whatsapp",
            source=row.source,
            active=True,
            changed_at=row.created_at,
        )


def _opt_outs_per_number(apps, schema_editor):
    OptOut = apps.get_model("messaging", "OptOut")
    seen = set()
    for row in OptOut.objects.order_by("created_at", "pk"):
        if row.phone in seen or not row.active:
            row.delete()
        else:
            seen.add(row.phone)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_delivery_receipts_opt_outs_senders")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="last_error_texts",
            field=models.JSONField(blank=True, default=dict, verbose_name="galat terakhir"),
        ),
        migrations.RunPython(_reasons_to_every_language, _reasons_to_one_language),
        migrations.RemoveField(model_name="message", name="last_error"),
        migrations.AlterField(
            model_name="optout",
            name="phone",
            field=models.CharField(max_length=20, verbose_name="nomor telepon"),
        ),
        migrations.AddField(
            model_name="optout",
            name="channel",
            field=models.CharField(
                choices=[("whatsapp", "WhatsApp"), ("sms", "SMS")],
                default="whatsapp",
                max_length=10,
                verbose_name="saluran",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="optout",
            name="active",
            field=models.BooleanField(default=True, verbose_name="berlaku"),
        ),
        migrations.AddField(
            model_name="optout",
            name="changed_at",
            field=models.DateTimeField(
                default=timezone.now, verbose_name="waktu balasan terakhir"
            ),
        ),
        migrations.RunPython(_opt_outs_on_both_channels, _opt_outs_per_number),
        migrations.AddConstraint(
            model_name="optout",
            constraint=models.UniqueConstraint(
                fields=("phone", "channel"), name="messaging_optout_channel"
            ),
        ),
        migrations.AlterField(
            model_name="whatsappsender",
            name="phone_number_id",
            field=models.CharField(
                max_length=32,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\d{5,32}$", "Isi dengan angka dari WhatsApp Manager."
                    )
                ],
                verbose_name="ID nomor telepon (Phone number ID)",
            ),
        ),
        migrations.AddField(
            model_name="whatsappsender",
            name="last_test_provider_id",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="whatsappsender",
            name="last_test_delivery",
            field=models.CharField(
                blank=True,
                choices=[
                    ("sent", "Diteruskan penyedia (✓)"),
                    ("delivered", "Sampai di ponsel (✓✓)"),
                    ("read", "Dibaca"),
                    ("failed", "Tidak sampai"),
                ],
                max_length=10,
                verbose_name="tanda terima uji",
            ),
        ),
        migrations.AddField(
            model_name="whatsappsender",
            name="last_test_delivery_error",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="alasan uji tidak sampai"
            ),
        ),
    ]
