"""Seed the lamp / code table (domain §7). Admins edit it afterwards; rows that already exist
are left alone, so re-running never overwrites an admin's advice.

Severity follows the maintenance association's guidance where it exists (charging, oil
pressure, brake: stop); the rest is a starting point, which is why it is data.
Standard P0/U codes need no row: their descriptions come from python-obd.
"""

from django.db import migrations

STOP = "stop_now"
SOON = "see_dealer_soon"
INFO = "info"

# code, kind, severity, description ja/en, advice ja/en
ROWS = [
    ("lamp:mil", "lamp", SOON, "エンジン警告灯", "Engine warning lamp (MIL)",
     "エンジン制御系の異常が検出されました。早めに販売店で点検を受けてください。点滅している場合は速度を控え、安全な場所に停車して販売店にご連絡ください。",
     "A fault was detected in the engine control system. Have the car checked at your dealer soon. If the lamp flashes, slow down, stop in a safe place and call your dealer."),
    ("lamp:brake", "lamp", STOP, "ブレーキ警告灯", "Brake warning lamp",
     "駐車ブレーキを解除しても点灯している場合は、ブレーキ系統の異常のおそれがあります。直ちに安全な場所に停車し、販売店にご連絡ください。",
     "If it stays on with the parking brake released, the brake system may be faulty. Stop in a safe place at once and call your dealer."),
    ("lamp:charging", "lamp", STOP, "充電警告灯", "Charging system warning lamp",
     "充電系統の異常です。安全な場所に停車し、ロードサービスまたは販売店にご連絡ください。",
     "The charging system has a fault. Stop in a safe place and call roadside assistance or your dealer."),
    ("lamp:oil_pressure", "lamp", STOP, "油圧警告灯", "Oil pressure warning lamp",
     "エンジンオイルの圧力が低下しています。直ちに安全な場所に停車してエンジンを止め、販売店にご連絡ください。",
     "Engine oil pressure is low. Stop in a safe place, switch the engine off at once and call your dealer."),
    ("lamp:hybrid_system", "lamp", STOP, "ハイブリッドシステム警告", "Hybrid system warning",
     "ハイブリッドシステムの異常です。安全な場所に停車し、販売店にご連絡ください。",
     "The hybrid system has a fault. Stop in a safe place and call your dealer."),
    ("lamp:master_warning", "lamp", SOON, "マスターウォーニング", "Master warning",
     "メーター内の表示を確認し、その指示に従ってください。早めに販売店で点検を受けてください。",
     "Read the message in the instrument cluster and follow it. Have the car checked at your dealer soon."),
    ("lamp:srs_airbag", "lamp", SOON, "SRSエアバッグ警告灯", "SRS airbag warning lamp",
     "エアバッグやシートベルトプリテンショナーが作動しないおそれがあります。早めに販売店で点検を受けてください。",
     "The airbags or seat-belt pretensioners may not work. Have the car checked at your dealer soon."),
    ("lamp:abs", "lamp", SOON, "ABS警告灯", "ABS warning lamp",
     "ABSが作動しないおそれがあります(通常のブレーキは作動します)。急ブレーキを避け、早めに販売店で点検を受けてください。",
     "ABS may not work (the normal brakes still do). Avoid hard braking and have the car checked at your dealer soon."),
    ("lamp:eps", "lamp", SOON, "パワーステアリング警告灯", "Power steering warning lamp",
     "ハンドル操作が重くなることがあります。慎重に運転し、早めに販売店で点検を受けてください。",
     "Steering may become heavy. Drive carefully and have the car checked at your dealer soon."),
    ("lamp:coolant_temp", "lamp", STOP, "高水温警告灯", "High coolant temperature warning lamp",
     "エンジンがオーバーヒートしているおそれがあります。安全な場所に停車し、販売店にご連絡ください。",
     "The engine may be overheating. Stop in a safe place and call your dealer."),
    ("lamp:at", "lamp", SOON, "AT警告灯", "Transmission warning lamp",
     "トランスミッションの異常が検出されました。早めに販売店で点検を受けてください。",
     "A transmission fault was detected. Have the car checked at your dealer soon."),
    ("device:third_party", "third_party_device", INFO, "他社製OBD-II機器の接続", "Third-party OBD-II device connected",
     "OBD-IIコネクターに他の機器が接続されているため、本サービスが正しく動作しないおそれがあります。機器を取り外すか、販売店にご相談ください。",
     "Another device is plugged into the OBD-II port, so this service may not work correctly. Unplug it or ask your dealer."),
    ("P0300", "dtc", SOON, "ランダム/複数気筒の失火を検出", "Random/multiple cylinder misfire detected",
     "エンジンの失火が検出されました。早めに販売店で点検を受けてください。", "Engine misfires were detected. Have the car checked at your dealer soon."),
    ("P1300", "dtc", SOON, "イグナイター回路異常(1番)(トヨタ)", "Igniter circuit malfunction, No. 1 (Toyota)",
     "点火系の異常です。早めに販売店で点検を受けてください。", "Ignition system fault. Have the car checked at your dealer soon."),
    ("P1349", "dtc", SOON, "VVTシステム異常(バンク1)(トヨタ)", "VVT system malfunction, bank 1 (Toyota)",
     "可変バルブタイミング機構の異常です。早めに販売店で点検を受けてください。", "Variable valve timing fault. Have the car checked at your dealer soon."),
    ("P1604", "dtc", INFO, "始動性不良(トヨタ)", "Startability malfunction (Toyota)",
     "エンジンの始動に時間がかかった記録があります。次回の点検時にご相談ください。", "The engine was slow to start. Mention it at your next service."),
    ("B0001", "dtc", SOON, "運転席前面エアバッグ第1段展開制御", "Driver frontal stage 1 deployment control",
     "エアバッグ系統の異常です。早めに販売店で点検を受けてください。", "Airbag system fault. Have the car checked at your dealer soon."),
    ("C0035", "dtc", SOON, "左前輪車輪速センサー回路", "Left front wheel speed sensor circuit",
     "ABSや横滑り防止装置が作動しないおそれがあります。早めに販売店で点検を受けてください。",
     "ABS and stability control may not work. Have the car checked at your dealer soon."),
    ("C1201", "dtc", SOON, "エンジン制御システム異常(VSC)(トヨタ)", "Engine control system malfunction, VSC (Toyota)",
     "エンジン制御の異常により横滑り防止装置が停止しています。早めに販売店で点検を受けてください。",
     "Stability control is off because of an engine control fault. Have the car checked at your dealer soon."),
]


def seed(apps, schema_editor):
    DiagnosticCode = apps.get_model("vehicles", "DiagnosticCode")
    existing = set(DiagnosticCode.objects.values_list("code", flat=True))
    DiagnosticCode.objects.bulk_create(
        DiagnosticCode(
            code=code, kind=kind, severity=severity, description_ja=desc_ja, description_en=desc_en,
            advice_ja=advice_ja, advice_en=advice_en,
        )
        for code, kind, severity, desc_ja, desc_en, advice_ja, advice_en in ROWS
        if code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0003_telemetry")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
