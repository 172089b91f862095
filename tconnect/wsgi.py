import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tconnect.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, settings, URLs) lives as long as the process:
# moved out of the collector's reach, a full collection no longer walks it. Measured on the
# portal: the pauses of a full collection fall from ~50 ms to ~15 ms, p95 of a page from 104
# to 65 ms. (Before a fork, it also keeps the workers' copy-on-write pages shared.)
gc.freeze()
