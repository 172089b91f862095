"""The inbound SMTP listener (aiosmtpd), run by `manage.py inbound_smtp`. It never parses a mail.

- RCPT: the address form on REPLY_DOMAIN decides the kind (notifications.services.inbound_mail:
  `<token>@` a reply, `bounce-<delivery>-<signature>@` a bounce, `fbl@` a complaint); an unknown
  form, key or expired notice → 550; past a flood limit → 451
  (temporary: the sending server keeps the mail and retries later).
- Size: mail over INBOUND_MAIL_MAX_BYTES → 552 (from SIZE, or after DATA); a line over RFC 5321's
  1,000 octets → 500.
- Reading DATA (`InboundSMTP`): in blocks, at C speed, not line by line (aiosmtpd's own loop does
  Python work per line and never yields to other sessions while the bytes are buffered: a 1 MB
  mail of empty lines held every session for seconds).
- DATA: the linear shape checks (empty, MIME nesting, parts, header field sizes, comment depth;
  a few ms at the size cap) → 554 with their plain reason; otherwise the raw bytes are stored
  (one row per recipient) and a worker parses and handles them. A database failure → 451 so the
  sender retries; nothing else a client sends gets a 4xx, so no mail is retried forever.

All of it runs off the event loop, in a small thread pool (Django's ORM is synchronous), so one
session's mail never holds another's: each answer waits only for its own checks and statements.
Each thread closes its connection afterwards: mail arrives rarely and a listener must not keep
idle connections.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, syntax
from django.conf import settings
from django.db import close_old_connections, connection

from notifications.parsing.mail import MalformedMail, mail_shape_check
from notifications.services.inbound_mail import (
    FLOOD,
    Recipient,
    received_mail_store,
    recipient_check,
    recipient_route,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

TEMPORARY = "451 4.3.0 Temporary failure, please try again later"
REFUSALS = {
    FLOOD: "451 4.7.1 Too many messages to this address or from this sender lately, please try again later",
}
UNKNOWN_ADDRESS = "550 5.1.1 This address is unknown or has expired"


def _with_connection(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        connection.close()


def _peer(session) -> str:
    peer = getattr(session, "peer", None)
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "")


def _raw(envelope) -> bytes:
    raw = envelope.original_content or envelope.content or b""
    return raw.encode("utf-8", errors="replace") if isinstance(raw, str) else raw


def _recipient_check(recipient: Recipient, mail_from: str) -> str | None:
    return recipient_check(recipient, mail_from=mail_from)


def _check_and_store(recipients: list[Recipient], raw: bytes, mail_from: str, peer: str) -> int:
    mail_shape_check(raw)  # MalformedMail → 554
    return received_mail_store(recipients=recipients, raw=raw, mail_from=mail_from, peer=peer)


class InboundHandler:
    """aiosmtpd handler: the hooks are called by the SMTP session for each command."""

    def __init__(self, *, workers: int = 4):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbound-smtp")

    async def _off_loop(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _with_connection, function, *args)

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        recipient = recipient_route(address)
        if recipient is None:
            logger.info("inbound mail from %s: recipient %r refused (not one of our address forms)", _peer(session), address)
            return "550 5.1.1 No such recipient here"
        try:
            refusal = await self._off_loop(_recipient_check, recipient, envelope.mail_from or "")
        except Exception:
            logger.exception("inbound mail: recipient check failed")
            return TEMPORARY
        if refusal is not None:
            logger.warning("inbound %s mail from %s refused: %s", recipient.kind, _peer(session), refusal)
            return REFUSALS.get(refusal, UNKNOWN_ADDRESS)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        recipients = [r for r in (recipient_route(a) for a in envelope.rcpt_tos) if r is not None]
        try:
            stored = await self._off_loop(_check_and_store, recipients, _raw(envelope), envelope.mail_from or "", _peer(session))
        except MalformedMail as exc:
            logger.warning("inbound mail from %s refused: %s", _peer(session), exc)
            return f"554 5.6.0 {exc.reason}"
        except Exception:
            # Anything else is ours to fix; the sender keeps the mail and retries (4xx).
            logger.exception("inbound mail from %s: storing failed", _peer(session))
            return TEMPORARY
        logger.info("inbound mail from %s: %d stored for %d recipient(s)", _peer(session), stored, len(recipients))
        return "250 OK: message received"

    async def handle_exception(self, error: Exception) -> str:
        """aiosmtpd's last resort (its default answer names the exception): a plain 451."""
        logger.error("inbound mail: session error", exc_info=error)
        return TEMPORARY

    def close(self) -> None:
        self.executor.shutdown(wait=True)


# --- DATA in blocks -----------------------------------------------------------------------

_END = b".\r\n"  # the end of DATA is CRLF "." CRLF: its ".\r\n" is found in the stream, the CRLF before it in what was read
_YIELD_EVERY = 64  # reads between turns for the other sessions (each read is at most ~1 KB or one ".\r\n")
_DOT_STUFFED = re.compile(rb"\r\n\.")


class InboundSMTP(SMTP):
    """aiosmtpd's session, with DATA read in blocks at C speed (see the module docstring)."""

    async def _read_data(self) -> tuple[bytes, str]:
        """The content (unstuffed), or the answer that refuses it."""
        buffer = bytearray(b"\r\n")  # the CRLF that ended the DATA command: a first line "." ends it too
        limit, too_much, reads = self.data_size_limit, False, 0
        while not buffer.endswith(b"\r\n" + _END):
            try:
                chunk = await self._reader.readuntil(_END)
            except asyncio.LimitOverrunError as overrun:
                # No ".\r\n" starts in the first `consumed` bytes, so none is split by taking them.
                chunk = await self._reader.readexactly(overrun.consumed)
            if too_much:
                buffer[:] = buffer[-4:] + chunk  # drain, keeping only enough to see the end
            else:
                buffer += chunk
                too_much = limit is not None and len(buffer) - 5 > limit
            reads += 1
            if reads % _YIELD_EVERY == 0:
                await asyncio.sleep(0)
        if too_much:
            return b"", "552 Error: Too much mail data"
        content = _DOT_STUFFED.sub(b"\r\n", bytes(buffer[:-3]))[2:]
        if max(map(len, content.split(b"\r\n"))) > (self.line_length_limit or 1001) - 2:
            return b"", "500 Line too long (see RFC5321 4.5.3.1.6)"
        return content, ""

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if self._decode_data:  # never set here; aiosmtpd's own reader handles decoding
            return await super().smtp_DATA(arg)
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return None
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            return await self.push("503 Error: need RCPT command")
        if arg:
            return await self.push("501 Syntax: DATA")
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            content, refusal = await self._read_data()
        except asyncio.CancelledError:
            logger.info("inbound mail: connection lost during DATA")
            self._writer.close()
            raise
        if refusal:
            self._set_post_data_state()
            return await self.push(refusal)
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        return await self.push("250 OK" if status is MISSING else status)


class InboundController(Controller):
    def factory(self) -> SMTP:
        return InboundSMTP(self.handler, **self.SMTP_kwargs)


def inbound_smtp_controller(*, host: str, port: int) -> Controller:
    """A started-on-demand listener (call .start() / .stop()) for mail to REPLY_DOMAIN."""
    return InboundController(
        InboundHandler(), hostname=host, port=port, server_hostname=settings.REPLY_DOMAIN,
        data_size_limit=settings.INBOUND_MAIL_MAX_BYTES,
    )


