from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("drivers", "0007_reservation_id_tag"),
    ]

    operations = [
        migrations.AddField(
            model_name="driver",
            name="fleet",
            field=models.BooleanField(
                default=False,
                help_text="A fleet account (company vehicles): site load management serves its sessions before "
                "ad-hoc ones, as it does a member's.",
            ),
        ),
    ]
