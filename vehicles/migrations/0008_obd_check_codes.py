"""Mark the seeded codes that relate to safety or emissions (the OBD check of the shaken looks
at such codes, domain §2), and add two common emissions codes. Admins edit the flag afterwards;
existing rows keep their texts. The maker's real pass/fail list (特定DTC) is not public: the
flag only tells the dealer to verify at intake.
"""

from django.db import migrations

FLAGGED = ["P0300", "P0420", "P0171", "B0001", "C0035", "C1201"]
NEW_ROWS = [
    ("P0420", "触媒システム効率低下(バンク1)", "Catalyst system efficiency below threshold (bank 1)",
     "排出ガス浄化装置の性能が低下しています。早めに販売店で点検を受けてください。",
     "The exhaust catalyst is not cleaning as it should. Have the car checked at your dealer soon."),
    ("P0171", "空燃比リーン異常(バンク1)", "System too lean (bank 1)",
     "エンジンの燃料供給に異常があります。早めに販売店で点検を受けてください。",
     "The engine's fuel mixture is off. Have the car checked at your dealer soon."),
]


def flag(apps, schema_editor):
    DiagnosticCode = apps.get_model("vehicles", "DiagnosticCode")
    existing = set(DiagnosticCode.objects.values_list("code", flat=True))
    DiagnosticCode.objects.bulk_create(
        DiagnosticCode(code=code, kind="dtc", severity="see_dealer_soon", description_ja=desc_ja, description_en=desc_en,
                       advice_ja=advice_ja, advice_en=advice_en)
        for code, desc_ja, desc_en, advice_ja, advice_en in NEW_ROWS
        if code not in existing
    )
    DiagnosticCode.objects.filter(code__in=FLAGGED).update(obd_check_related=True)


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0007_followups")]

    operations = [migrations.RunPython(flag, migrations.RunPython.noop)]
