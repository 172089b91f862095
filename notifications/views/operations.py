"""The Prometheus scrape endpoint: off unless METRICS_TOKEN is set, then only with that bearer
token (a scraper on the private network sends it; nginx does not pass /metrics from outside).

It answers this process's request figures (every process's, when gunicorn runs with
PROMETHEUS_MULTIPROC_DIR) and the product's figures read from the database and the broker.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from notifications.selectors.operations import product_figures, product_metrics


class _ProductCollector:
    def collect(self):
        return product_metrics(product_figures())


def _authorised(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}"
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected.encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorised(request):
        response = HttpResponse("unauthorised\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    product = CollectorRegistry(auto_describe=False)
    product.register(_ProductCollector())
    return HttpResponse(generate_latest(processes) + generate_latest(product), content_type=CONTENT_TYPE_LATEST)
