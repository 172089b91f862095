"""gunicorn settings for tconnect's web nodes (`gunicorn tconnect.wsgi -c deploy/gunicorn.conf.py`).

Workers are sync: a request is a few indexed statements, and the Python CPU is the bottleneck, so
two workers per core. With PROMETHEUS_MULTIPROC_DIR set (an empty directory per node, cleared at
start) /metrics sums the request figures of every worker of the node.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
# nginx sets X-Forwarded-For / X-Forwarded-Proto; trust them only from the local proxy.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
