"""The real-world-shaped bounce and feedback-report fixtures (tests/notifications/corpus/), with
the placeholders filled for one delivery."""

from __future__ import annotations

from pathlib import Path

from notifications.services.verp import bounce_address, complaint_address, message_id

CORPUS = Path(__file__).parent / "corpus"
BOUNCES = sorted((CORPUS / "bounces").glob("*.eml"))
COMPLAINTS = sorted((CORPUS / "complaints").glob("*.eml"))


def filled(path: Path, delivery_id: int = 1, reply_address: str = "0123456789abcdef0123456789abcdef@reply.example.jp") -> bytes:
    raw = path.read_bytes()
    for key, value in {
        b"{BOUNCE_ADDRESS}": bounce_address(delivery_id), b"{MESSAGE_ID}": message_id(delivery_id),
        b"{REPLY_ADDRESS}": reply_address, b"{COMPLAINT_ADDRESS}": complaint_address(),
    }.items():
        raw = raw.replace(key, value.encode())
    return raw
