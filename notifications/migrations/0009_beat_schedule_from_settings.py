"""The beat schedule now comes from settings only (CELERY_BEAT_SCHEDULE): drop the rows that the
removed `setup_schedules` command and earlier settings names created, so no entry runs twice.
django-celery-beat's scheduler writes the settings entries back when beat starts."""

from django.db import migrations

PRODUCT_TASK_PREFIXES = ("notifications.", "vehicles.")


def drop_product_beat_rows(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for prefix in PRODUCT_TASK_PREFIXES:
        PeriodicTask.objects.filter(task__startswith=prefix).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0008_funnel_days"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(drop_product_beat_rows, migrations.RunPython.noop)]
