"""Settings for the replies benchmark's `--reuse-connections` worker: the product's, plus
database connection reuse across tasks (Celery's Django fixup otherwise closes the connection
before and after every task; see the benchmark's report)."""

from tconnect.settings import *  # noqa: F403

CELERY_DB_REUSE_MAX = 1000
