import django.db.models.deletion
from django.db import migrations, models


def id_tags_fill(apps, schema_editor):
    Reservation = apps.get_model("drivers", "Reservation")
    for reservation in Reservation.objects.select_related("token").filter(id_tag=""):
        Reservation.objects.filter(pk=reservation.pk).update(id_tag=reservation.token.uid)


class Migration(migrations.Migration):
    dependencies = [("drivers", "0006_notification_payment_kinds")]

    operations = [
        migrations.AddField(
            model_name="reservation",
            name="id_tag",
            field=models.CharField(
                blank=True, help_text="The idTag the charger holds the connector for.", max_length=36
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="token",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reservations",
                to="drivers.token",
            ),
        ),
        migrations.RunPython(id_tags_fill, migrations.RunPython.noop),
    ]
