"""LOG_FORMAT=json: one JSON object a line, for a log shipper. Each line carries the request id of
the request it was written in (dealers.middleware.RequestContextMiddleware) and the Celery task
id of the task it was written in, empty outside either."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from celery import current_task

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _request_id() -> str:
    # Read, never imported: logging is configured before the apps load, and the middleware
    # module imports models. Until it is loaded no request is being served.
    middleware = sys.modules.get("dealers.middleware")
    return middleware.current_request_id.get() if middleware else ""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        task = current_task
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(),
            "task_id": (task.request.id or "") if task else "",
            "task": task.name if task else "",
            "process": record.process,
        }
        # Values passed with extra={...} travel as fields of their own.
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value if isinstance(value, str | int | float | bool) or value is None else repr(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
