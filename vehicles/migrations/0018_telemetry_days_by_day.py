# The day roll-ups keyed day first: a day's rows append at the end of the key, and the separate
# index on day goes (the key answers a window of days).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('vehicles', '0017_telemetry_days'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='telemetryday',
            name='telemetry_day_day_idx',
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE vehicles_telemetryday DROP CONSTRAINT vehicles_telemetryday_pkey, ADD PRIMARY KEY (day, vehicle_id)",
                    "ALTER TABLE vehicles_telemetryday DROP CONSTRAINT vehicles_telemetryday_pkey, ADD PRIMARY KEY (vehicle_id, day)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='telemetryday',
                    name='pk',
                    field=models.CompositePrimaryKey('day', 'vehicle_id', blank=True, editable=False, primary_key=True, serialize=False),
                ),
            ],
        ),
    ]
