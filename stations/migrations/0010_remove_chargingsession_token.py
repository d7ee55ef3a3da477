from django.db import migrations


class Migration(migrations.Migration):
    # After drivers copied the links (drivers 0006), the upward foreign key goes.
    dependencies = [
        ("stations", "0009_command_requests"),
        ("drivers", "0007_sessiontoken"),
    ]

    operations = [
        migrations.RemoveField(model_name="chargingsession", name="token"),
    ]
