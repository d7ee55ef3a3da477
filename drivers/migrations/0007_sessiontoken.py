import django.db.models.deletion
from django.db import migrations, models


def links_copy(apps, schema_editor):
    """Carry each session's token foreign key over to the link drivers now owns."""
    ChargingSession = apps.get_model("stations", "ChargingSession")
    SessionToken = apps.get_model("drivers", "SessionToken")
    SessionToken.objects.bulk_create(
        SessionToken(session_id=session_id, token_id=token_id)
        for session_id, token_id in ChargingSession.objects.filter(token__isnull=False).values_list("pk", "token_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("drivers", "0006_legal_invoice_parties"),
        ("stations", "0009_command_requests"),
    ]

    operations = [
        migrations.CreateModel(
            name="SessionToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="token_link",
                        to="stations.chargingsession",
                    ),
                ),
                (
                    "token",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="session_links",
                        to="drivers.token",
                    ),
                ),
            ],
        ),
        migrations.RunPython(links_copy, migrations.RunPython.noop),
    ]
