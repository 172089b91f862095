"""Reply bodies as owners' mail clients write them, each with the new text a person would read.

Written for this project from the shapes the common clients use in Japan (Gmail, Apple Mail on
iPhone and Mac, Outlook, Thunderbird, Yahoo! Mail, the carriers' mail apps); the addresses and
words are ours. `expected` is exactly what `strip_quoted` must return.
"""

from __future__ import annotations

from dataclasses import dataclass

REPLY_TO = "0123456789abcdef0123456789abcdef@reply.tconnect.example.jp"
NOTICE = (
    "山田 太郎 様\n\nいつもご利用ありがとうございます。\n車検満了日は 2026年12月20日 です。\n"
    "ご希望の日時をこのメールへの返信でお知らせください。\nT-Connect 品川店 03-1234-5678"
)
QUOTED = "\n".join(f"> {line}" if line else ">" for line in NOTICE.split("\n"))


@dataclass(frozen=True)
class MailCase:
    name: str
    body: str
    expected: str


CASES = [
    # Gmail, Japanese: the attribution ends with "<address>:" and is often wrapped after "<".
    MailCase("gmail-ja", f"12月5日の午前でお願いします。\n\n2026年11月24日(火) 10:00 T-Connect 品川店 <{REPLY_TO}>:\n\n{QUOTED}\n",
             "12月5日の午前でお願いします。"),
    MailCase("gmail-ja-wrapped", f"来週の水曜 14時で。\n\n2026年11月24日(火) 10:00 T-Connect 品川店 <\n{REPLY_TO}>:\n\n{QUOTED}",
             "来週の水曜 14時で。"),
    MailCase("gmail-ja-wrapped-3", f"代車はありますか\n\n2026年11月24日(火) 10:00\nT-Connect 品川店 <\n{REPLY_TO}>:\n{QUOTED}",
             "代車はありますか"),
    # Gmail, English, on one line, on two and on three lines.
    MailCase("gmail-en", f"December 5th in the morning, please.\n\nOn Tue, Nov 24, 2026 at 10:00 AM T-Connect <{REPLY_TO}> wrote:\n\n{QUOTED}",
             "December 5th in the morning, please."),
    MailCase("gmail-en-wrapped", f"Friday at 3pm works.\n\nOn Tue, Nov 24, 2026 at 10:00 AM T-Connect <{REPLY_TO}>\nwrote:\n\n{QUOTED}",
             "Friday at 3pm works."),
    MailCase("apple-en-wrapped-3", f"Next Wednesday afternoon.\n\nOn Nov 24, 2026, at 10:00, T-Connect\n<{REPLY_TO}>\nwrote:\n\n{QUOTED}",
             "Next Wednesday afternoon."),
    # Apple Mail, Japanese: 「…のメッセージ:」.
    MailCase("apple-ja", f"12/3 10:00 希望です\n\niPhoneから送信\n\n2026/11/24 10:00、T-Connect 品川店 <{REPLY_TO}>のメッセージ:\n\n{QUOTED}",
             "12/3 10:00 希望です"),
    MailCase("apple-ja-wrapped", f"午後なら空いています\n\n2026/11/24 10:00、T-Connect 品川店\n<{REPLY_TO}>のメッセージ:\n\n{QUOTED}",
             "午後なら空いています"),
    # Outlook: a rule, then a header block, the original unquoted.
    MailCase("outlook-ja", f"12月8日でお願いします。\n\n________________________________\n差出人: T-Connect 品川店 <{REPLY_TO}>\n"
             f"送信日時: 2026年11月24日 10:00\n宛先: 山田 太郎 <taro@example.jp>\n件名: 車検のご案内\n\n{NOTICE}",
             "12月8日でお願いします。"),
    MailCase("outlook-ja-no-rule", f"12月8日でお願いします。\n\n差出人: T-Connect 品川店 <{REPLY_TO}>\n送信日時: 2026年11月24日 10:00\n{NOTICE}",
             "12月8日でお願いします。"),
    MailCase("outlook-en-bold", f"Dec 9 is fine.\n\n*From:* T-Connect <{REPLY_TO}>\n*Sent:* Tuesday, November 24, 2026 10:00 AM\n"
             f"*To:* Taro Yamada\n*Subject:* Shaken\n\n{NOTICE}",
             "Dec 9 is fine."),
    MailCase("outlook-original-message", f"12/10でお願いします\n\n-----Original Message-----\nFrom: T-Connect\nSent: Tuesday\n{NOTICE}",
             "12/10でお願いします"),
    MailCase("outlook-get-outlook", f"Tomorrow 10am please.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n\nFrom: T-Connect <{REPLY_TO}>\n"
             f"Sent: Tuesday, November 24, 2026 10:00:00 AM\nTo: Taro Yamada\n{NOTICE}",
             "Tomorrow 10am please."),
    # Thunderbird and Becky!: 「…さんは書きました:」 / "On … wrote:" above a ">" block.
    MailCase("thunderbird-ja", f"土曜の午前にお願いします\n\n2026/11/24 10:00 に T-Connect 品川店 さんは書きました:\n{QUOTED}",
             "土曜の午前にお願いします"),
    MailCase("thunderbird-en", f"Saturday morning please\n\nOn 2026/11/24 10:00, T-Connect wrote:\n{QUOTED}",
             "Saturday morning please"),
    MailCase("becky-ja", f"12月1日 9時で\n\nT-Connect 品川店 さんが書きました:\n{QUOTED}", "12月1日 9時で"),
    # Yahoo! Mail and the carriers' apps: an "Original Message" rule, with or without spaces.
    MailCase("yahoo-ja", f"明後日の夕方は？\n\n----- Original Message -----\n{NOTICE}", "明後日の夕方は？"),
    MailCase("docomo", f"12月2日希望\n\n--- 元のメッセージ ---\n{NOTICE}", "12月2日希望"),
    MailCase("forwarded", f"家族の車もお願いします\n\n---------- Forwarded message ---------\nFrom: T-Connect\n{NOTICE}",
             "家族の車もお願いします"),
    MailCase("carrier-quote-only", f"来週月曜の10時\n\n{QUOTED}", "来週月曜の10時"),
    # Signatures.
    MailCase("signature-dashes", "12月4日の午後で\n\n-- \n山田 太郎\n090-1234-5678 12/31", "12月4日の午後で"),
    MailCase("sent-from-iphone", "Monday 11am please\n\nSent from my iPhone", "Monday 11am please"),
    MailCase("android-ja", "12月7日 10時\n\nAndroid から送信", "12月7日 10時"),
    MailCase("yahoo-app-ja", "12月7日 10時\n\nYahoo!メールアプリから送信", "12月7日 10時"),
    MailCase("sent-from-my-sentence", "Sent from my desk, which is easier than my phone.\nDec 7 please.",
             "Sent from my desk, which is easier than my phone.\nDec 7 please."),
    # Answers below or between quotes are the owner's words too.
    MailCase("inline-answers", f"On Tue, Nov 24, 2026 at 10:00 AM T-Connect <{REPLY_TO}> wrote:\n> ご希望の日時は？\n"
             "12月5日の午前\n> 代車は必要ですか？\n不要です\n", "12月5日の午前\n不要です"),
    MailCase("bottom-post", f"2026年11月24日(火) 10:00 T-Connect 品川店 <{REPLY_TO}>:\n{QUOTED}\n\n12月9日の10時でお願いします",
             "12月9日の10時でお願いします"),
    MailCase("bottom-post-then-signature", f"{QUOTED}\n\n12月9日の10時で\n\n-- \n山田", "12月9日の10時で"),
    MailCase("mangled-attribution", f"Dec 3 please\n\nOn Tue, Nov 24, 2026 at 10:00=E2=80=AFAM T-Connect <{REPLY_TO}> w=\nrote:\n\n{QUOTED}",
             "Dec 3 please"),
    # What looks like a cut but is not.
    MailCase("dash-in-line", "午前中 -- できれば10時 -- でお願いします", "午前中 -- できれば10時 -- でお願いします"),
    MailCase("on-monday", "On Monday I can bring the car at 10.\nOr Tuesday.", "On Monday I can bring the car at 10.\nOr Tuesday."),
    MailCase("from-line-alone", "From: 山田 (家族の車です)\n12月5日でお願いします", "From: 山田 (家族の車です)\n12月5日でお願いします"),
    MailCase("no-quote", "12月5日 10:00 でお願いします。\n代車もお願いします。", "12月5日 10:00 でお願いします。\n代車もお願いします。"),
    MailCase("crlf", "12月5日でお願いします\r\n\r\nOn Tue, Nov 24, 2026 at 10:00 AM T-Connect <x@y> wrote:\r\n> hi",
             "12月5日でお願いします"),
]
