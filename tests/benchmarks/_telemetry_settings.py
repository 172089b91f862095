"""Settings for the telemetry benchmark's gunicorn: the product's, plus the ceiling view."""

from tconnect.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks._telemetry_urls"
