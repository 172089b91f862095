"""A small, realistic dealer day for screenshots: two stores, owners, notices and their
deliveries, replies, inquiries, appointments, warnings, a recall and an event mail."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dealers.models import CalendarException, ClosingRule
from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Channel, DeliveryStatus
from notifications.services.events import event_create
from notifications.services.funnel import funnel_days_refresh_recent
from tests.factories import CompanyAdminFactory, CustomerFactory, DealerCompanyFactory, StoreFactory
from tests.portal.builders import appointment, campaign, followup, inquiry, notice, recall_target, reply
from tests.portal.conftest import plated_vehicle
from vehicles.models import ConsentCategory, VehicleState, VehicleWarning
from vehicles.services.consent import consent_set

OWNERS = [
    ("山田 太郎", "ヤマダ タロウ", "090-1234-5678", ("品川", "330", "さ", 1234), "プリウス", "ZVW30"),
    ("佐藤 花子", "サトウ ハナコ", "080-2345-6789", ("品川", "500", "た", 88), "ヤリス", "MXPA10"),
    ("鈴木 一郎", "スズキ イチロウ", "03-5555-0101", ("練馬", "330", "な", 4321), "アクア", "MXPK11"),
    ("高橋 美咲", "タカハシ ミサキ", "090-8765-4321", ("世田谷", "300", "は", 7), "RAV4", "MXAA54"),
    ("田中 健", "タナカ ケン", "070-1111-2222", ("品川", "301", "ま", 2525), "ノア", "ZWR90W"),
    ("伊藤 さくら", "イトウ サクラ", "080-3333-4444", ("多摩", "530", "や", 910), "シエンタ", "MXPL10G"),
]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BUSINESS_TZ)


def build():
    today = timezone.localdate()
    company = DealerCompanyFactory(name="トヨタ東京販売株式会社", postal_address="東京都港区芝浦1-1-1")
    shinagawa = StoreFactory(company=company, name="品川店", code="S01")
    oi = StoreFactory(company=company, name="大井町店", code="S02")
    ClosingRule.objects.create(store=shinagawa, weekday=2, week_of_month="1")
    CalendarException.objects.create(store=shinagawa, starts_on=today + dt.timedelta(days=9),
                                     ends_on=today + dt.timedelta(days=11), note="設備点検のため臨時休業")
    admin = CompanyAdminFactory(company=company, name="管理 花子", email="admin@dealer.example.jp")
    cars = []
    for i, (name, kana, phone, plate, car_name, model) in enumerate(OWNERS):
        customer = CustomerFactory(company=company, name=name, name_kana=kana, phone=phone)
        consent_set(customer=customer, category=ConsentCategory.MARKETING, granted=i % 3 != 2, source="店頭の同意書")
        cars.append(plated_vehicle(
            store=shinagawa if i % 2 == 0 else oi, customer=customer, plate=plate, car_name=car_name, model_code=model,
            chassis_number=f"{model}-{1000083 + i * 7919:07d}", shaken_expiry=today + dt.timedelta(days=12 + 9 * i),
            obd_inspection_target=i == 3,
        ))
    star = cars[0]
    first = notice(star, stage="m3", deliveries={Channel.APP: DeliveryStatus.READ, Channel.NAVI: DeliveryStatus.READ,
                                                 Channel.EMAIL: DeliveryStatus.DELIVERED})
    reply(first, text="来週の火曜 10時に車検をお願いします")
    appointment(star, starts_at=at(today, 10), notice_=first, due_kind="shaken", due_event_date=star.shaken_expiry, hold=True)
    notice(star, stage="m1", deliveries={Channel.APP: DeliveryStatus.DELIVERED, Channel.NAVI: DeliveryStatus.WAITING})
    for i, car in enumerate(cars[1:4]):
        n = notice(car, deliveries={Channel.APP: DeliveryStatus.READ if i else DeliveryStatus.DELIVERED})
        if i == 1:
            reply(n, intent="ask", outcome="inquiry", text="代車はありますか？")
            inquiry(car, notice_=n, question="代車はありますか？", due_at=timezone.now() + dt.timedelta(hours=3))
    appointment(cars[2], starts_at=at(today, 14), state="requested", hold=True)
    appointment(cars[4], starts_at=at(today + dt.timedelta(days=1), 11), hold=True)
    inquiry(cars[5], question="オイル交換だけでも予約できますか？", due_at=timezone.now() - dt.timedelta(hours=1))
    for car in cars[:5]:
        notice(car, kind="periodic", stage="pre", status="queued", deliveries={}, send_on=today + dt.timedelta(days=2))
    call = followup(cars[3], code="lamp:charging", severity="stop_now", due_in=dt.timedelta(minutes=40))
    VehicleWarning.objects.create(vehicle=star, code="P0420", kind="dtc", severity="see_dealer_soon",
                                  opened_at=timezone.now() - dt.timedelta(days=1))
    VehicleState.objects.create(vehicle=star, last_recorded_at=timezone.now(), updated_at=timezone.now(), odometer_km=48210,
                                battery_voltage="12.30", smart_key_battery="ok", oil_level="ok", oil_level_percent=82)
    airbag = campaign(title="助手席エアバッグの不具合", notification_number="外-5123")
    recall_target(star, campaign_=airbag)
    for car in cars[1:]:
        done = car.pk % 2 == 0
        recall_target(car, campaign_=airbag, **({"status": "done", "done_on": today - dt.timedelta(days=3),
                                                 "done_store": car.store} if done else {}))
    event = event_create(company=company, actor=admin, title="夏の点検フェア", body="期間中のオイル交換が20%オフになります。\nご来店をお待ちしております。",
                         starts_on=today + dt.timedelta(days=20), ends_on=today + dt.timedelta(days=30), stores=[shinagawa, oi])
    funnel_days_refresh_recent()  # the Results page's figures, as the beat counts them
    return {"admin": admin, "star": star, "store": shinagawa, "campaign": airbag, "event": event, "followup": call}
