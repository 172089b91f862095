"""The inbound SMTP listener for reply mail (aiosmtpd), run by `manage.py inbound_smtp`.

- RCPT: only `<token>@REPLY_DOMAIN` whose token belongs to a notice that still takes replies
  (550 otherwise, with a log line). The token decides the notice; From: is only displayed.
- Size: aiosmtpd refuses mail over INBOUND_MAIL_MAX_BYTES with 552 (SIZE and DATA).
- DATA: parse (notifications.parsing.mail), store one Reply per accepted token (deduplicated
  by Message-ID) and queue its processing after commit. Malformed mail → 554 and a log line;
  a database failure → 451 so the sender retries later. Nothing a client sends stops the
  listener.

Database work runs in a small thread pool (Django's ORM is synchronous) and closes its
connection afterwards: mail arrives rarely and a listener must not keep idle connections.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from notifications.parsing.mail import InboundMail, MalformedMail, mail_parse
from notifications.services.replies import notice_for_reply_token, reply_receive_mail

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Notice tokens are 32 lower-case hex characters; accept a little more in case the format grows.
_TOKEN = re.compile(r"^[0-9a-z]{16,64}$")


def token_from_address(address: str) -> str | None:
    """The token of a reply address on our domain, else None (case-insensitive, like mail)."""
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at or domain.lower().rstrip(".") != settings.REPLY_DOMAIN.lower():
        return None
    local = local.lower()
    return local if _TOKEN.match(local) else None


def _with_connection(function: Callable[..., T], *args: Any) -> T:
    close_old_connections()
    try:
        return function(*args)
    finally:
        connection.close()


def _token_accepted(token: str) -> bool:
    return notice_for_reply_token(token) is not None


def _store(tokens: list[str], mail: InboundMail) -> int:
    return sum(1 for token in tokens if reply_receive_mail(token=token, mail=mail) is not None)


class ReplyHandler:
    """aiosmtpd handler: the hooks are called by the SMTP session for each command."""

    def __init__(self, *, workers: int = 4):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbound-smtp")

    async def _db(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _with_connection, function, *args)

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        token = token_from_address(address)
        if token is None:
            logger.info("inbound mail from %s: recipient %s refused (not a reply address)", session.peer, address)
            return "550 5.1.1 No such recipient here"
        try:
            accepted = await self._db(_token_accepted, token)
        except DatabaseError:
            logger.exception("inbound mail: token lookup failed")
            return "451 4.3.0 Temporary failure, please try again later"
        if not accepted:
            logger.warning("inbound mail from %s: unknown or expired reply token refused", session.peer)
            return "550 5.1.1 This reply address is unknown or has expired"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="replace")
        try:
            mail = mail_parse(raw)
        except MalformedMail as exc:
            logger.warning("inbound mail from %s refused: malformed (%s)", session.peer, exc)
            return "554 5.6.0 Malformed message"
        tokens = sorted({t for t in (token_from_address(a) for a in envelope.rcpt_tos) if t})
        try:
            stored = await self._db(_store, tokens, mail)
        except Exception:
            # Anything else is ours to fix; the sender keeps the mail and retries (4xx).
            logger.exception("inbound mail %s: storing failed", mail.message_id)
            return "451 4.3.0 Temporary failure, please try again later"
        logger.info("inbound mail %s: %d reply(ies) stored for %d recipient(s)", mail.message_id, stored, len(tokens))
        return "250 OK: reply received"

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def reply_smtp_controller(*, host: str, port: int) -> Controller:
    """A started-on-demand listener (call .start() / .stop()) for reply mail."""
    return Controller(
        ReplyHandler(), hostname=host, port=port, server_hostname=settings.REPLY_DOMAIN,
        data_size_limit=settings.INBOUND_MAIL_MAX_BYTES,
    )
