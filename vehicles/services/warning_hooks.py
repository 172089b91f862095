"""What should happen when telemetry opens warnings, without the vehicles layer importing upward.

The layer above (notifications) subscribes at start-up (NotificationsConfig.ready) with a
handler that queues its warning-notice task after commit. The telemetry API calls
`warnings_opened` only when a new batch opened warnings, so the common batch pays nothing.
A handler must not raise into the request: the catch-up scan in notifications sends any
notice a lost task missed.
"""

from __future__ import annotations

from collections.abc import Callable

WarningsOpenedHandler = Callable[[int], None]
_handlers: list[WarningsOpenedHandler] = []


def warnings_opened_subscribe(handler: WarningsOpenedHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def warnings_opened(*, vehicle_id: int) -> None:
    """A batch of this car opened one or more warnings (VehicleWarning rows, committed or about to be)."""
    for handler in _handlers:
        handler(vehicle_id)
