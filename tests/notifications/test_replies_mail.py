"""Reading reply mail: charsets common in Japan, HTML bodies, quoted text; the .ics builder."""

from __future__ import annotations

import datetime as dt
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from notifications.parsing.mail import MalformedMail, decode, mail_parse, strip_quoted
from notifications.services.ics import CalendarEvent, calendar_text, fold
from notifications.services.inbound_mail import recipient_route


def _raw(body: bytes, *, charset: str, encoding: str = "8bit", headers: str = "") -> bytes:
    head = (
        "From: =?UTF-8?B?5bGx55Sw?= <owner@example.jp>\r\n"
        "To: 0123456789abcdef0123456789abcdef@reply.tconnect.example.jp\r\n"
        "Subject: Re: shaken\r\nMessage-ID: <m1@example.jp>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {encoding}\r\n{headers}\r\n"
    )
    return head.encode("ascii") + body


def test_iso_2022_jp_plain_text():
    message = MIMEText("明日の午前でお願いします。", "plain", "iso-2022-jp")
    message["Message-ID"] = "<jis@example.jp>"
    parsed = mail_parse(message.as_bytes())
    assert parsed.text == "明日の午前でお願いします。" and parsed.message_id == "<jis@example.jp>"


def test_shift_jis_label_with_cp932_characters():
    body = "①3月5日 10時でお願いします～".encode("cp932")
    parsed = mail_parse(_raw(body, charset="Shift_JIS"))
    assert parsed.text == "①3月5日 10時でお願いします～"
    assert parsed.from_address == "山田 <owner@example.jp>"


def test_utf8_base64_and_missing_message_id_gets_a_content_hash():
    message = MIMEText("5/12 14:00 でお願いします", "plain", "utf-8")
    parsed = mail_parse(message.as_bytes())
    assert parsed.text == "5/12 14:00 でお願いします"
    assert parsed.message_id.startswith("sha256:") and len(parsed.message_id) == 7 + 64


def test_unknown_charset_falls_back_without_failing():
    parsed = mail_parse(_raw("火曜 10時".encode(), charset="x-unknown-charset"))
    assert parsed.text == "火曜 10時"


def test_plain_part_is_preferred_over_html_and_attachments_are_ignored():
    message = MIMEMultipart("mixed")
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("プレーン: 3月5日", "plain", "utf-8"))
    alternative.attach(MIMEText("<p>HTML: 3月6日</p>", "html", "utf-8"))
    message.attach(alternative)
    attachment = MIMEText("添付: 3月7日", "plain", "utf-8")
    attachment.add_header("Content-Disposition", "attachment", filename="note.txt")
    message.attach(attachment)
    assert mail_parse(message.as_bytes()).text == "プレーン: 3月5日"


def test_html_only_mail_is_stripped_and_quoted_blocks_dropped():
    html = (
        "<html><head><style>p{color:red}</style></head><body><div>来週の火曜&nbsp;10時<br>お願いします</div>"
        '<div class="gmail_quote">2026年3月2日 T-Connect &lt;x@reply&gt;:<blockquote>車検のご案内 5月31日</blockquote></div>'
        "</body></html>"
    )
    parsed = mail_parse(MIMEText(html, "html", "utf-8").as_bytes())
    assert parsed.text == "来週の火曜 10時\nお願いします"


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, Mar 2, 2026 at 10:00 AM T-Connect <abc@reply.tconnect.example.jp> wrote:\n> 車検満了日 2026年5月31日",
        "On Mon, Mar 2, 2026 at 10:00 AM T-Connect <abc@reply.tconnect.example.jp>\nwrote:\n> 5月31日",
        "2026/03/02 10:00、T-Connect <abc@reply.tconnect.example.jp>のメッセージ:\n\n車検満了日 5月31日",
        "2026年3月2日(月) 10:00 T-Connect <abc@reply.tconnect.example.jp>:\n\n車検満了日 5月31日",
        "-----Original Message-----\nFrom: T-Connect\nSent: Monday\n車検満了日 5月31日",
        "--- 元のメッセージ ---\n車検満了日 5月31日",
        "From: T-Connect <abc@reply.tconnect.example.jp>\nSent: Monday, March 2, 2026 10:00\nSubject: 車検\n5月31日",
        "差出人: T-Connect <abc@reply.tconnect.example.jp>\n送信日時: 2026年3月2日 10:00\n5月31日",
        "> 車検満了日 2026年5月31日\n> ご予約は返信で",
        "-- \n山田太郎 090-1234-5678 5/31",
    ],
)
def test_quoted_original_and_signature_are_cut(quoted):
    assert strip_quoted(f"3月10日の午後でお願いします。\n\n{quoted}") == "3月10日の午後でお願いします。"


def test_interleaved_quote_lines_are_dropped_but_answers_kept():
    text = "> ご希望の日時をお知らせください\n明日の午前\n＞ 他にご質問は\nありません"
    assert strip_quoted(text) == "明日の午前\nありません"


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n"])
def test_empty_mail_is_malformed(raw):
    with pytest.raises(MalformedMail):
        mail_parse(raw)


def test_garbage_bytes_do_not_raise_anything_but_malformed():
    parsed = mail_parse(b"\xff\xfe\x00garbage without headers\r\n\r\n\x80\x81")
    assert isinstance(parsed.text, str)


def test_decode_prefers_the_superset_of_a_mislabelled_charset():
    assert decode("髙橋".encode("cp932"), "shift_jis") == "髙橋"
    assert decode("テスト".encode("iso2022_jp"), "ISO-2022-JP") == "テスト"


# -- .ics -----------------------------------------------------------------------------------


def test_calendar_text_is_rfc5545_shaped():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    event = CalendarEvent(
        uid="appointment-1@reply.tconnect.example.jp", starts_at=dt.datetime(2026, 3, 4, 10, tzinfo=tokyo),
        ends_at=dt.datetime(2026, 3, 4, 11, tzinfo=tokyo), summary="点検・車検, 品川店; プリウス",
        location="トヨタ販売株式会社 品川店 東京都品川区東品川2-2-2 " * 3, organizer_email="no-reply@tconnect.example.jp",
        organizer_name="品川店",
    )
    text = calendar_text(event, stamp=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "" and "METHOD:REQUEST" in lines
    assert "DTSTART:20260304T010000Z" in lines and "DTEND:20260304T020000Z" in lines
    assert "SUMMARY:点検・車検\\, 品川店\\; プリウス" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "LOCATION:" + ("トヨタ販売株式会社 品川店 東京都品川区東品川2-2-2 " * 3) in unfolded


def test_fold_never_splits_a_character():
    folded = fold("X" * 10 + "あ" * 40)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "X" * 10 + "あ" * 40


def _token(address: str) -> str | None:
    recipient = recipient_route(address)
    return recipient.key if recipient is not None and recipient.kind == "reply" else None


def test_reply_addresses_are_case_insensitive_and_strict():
    token = "0123456789abcdef0123456789abcdef"
    assert _token(f"<{token.upper()}@REPLY.TCONNECT.EXAMPLE.JP>") == token
    assert _token(f"{token}@reply.tconnect.example.jp.") == token
    assert recipient_route(f"{token}@reply.tconnect.example.jp.").address == f"{token}@reply.tconnect.example.jp"
    assert _token(f"{token}@evil.example.jp") is None
    assert _token("no-at-sign") is None
    assert _token(f"{token}+x@reply.tconnect.example.jp") is None
    assert _token(f"{token}\x00@reply.tconnect.example.jp") == token  # NUL dropped, never sent to PostgreSQL
