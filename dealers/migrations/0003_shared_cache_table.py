"""The shared cache's default table (settings.CACHES, CACHE_URL unset): login rate limits and
used one-time TOTP codes must be seen by every web process, so they live in the database.

The same table Django's `createcachetable` builds, so that command finds it and does nothing.
"""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS "tconnect_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "tconnect_cache_expires" ON "tconnect_cache" ("expires");
"""


class Migration(migrations.Migration):
    dependencies = [("dealers", "0002_calendar_exception_no_overlap")]

    operations = [migrations.RunSQL(CREATE, reverse_sql='DROP TABLE IF EXISTS "tconnect_cache";')]
