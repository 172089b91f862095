"""Recall targets carry their car's company and store, kept by triggers.

The recall pages scope and count targets per company and store. Joining each target to its
car for that costs ~1.6 µs a row (a million-car table); reading the target's own index costs a
tenth of it. The copy is kept by the database, so no path that links a target or moves a car
(services, admin, bulk updates, raw SQL) can leave it stale:
- before a target is inserted or updated, it takes its car's company and store;
- after a car's company or store changes, its targets follow.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


TRIGGERS_SQL = """
CREATE FUNCTION vehicles_recall_target_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.vehicle_id IS NULL THEN
        NEW.company_id := NULL;
        NEW.store_id := NULL;
    ELSE
        SELECT v.company_id, v.store_id INTO NEW.company_id, NEW.store_id
        FROM vehicles_vehicle v WHERE v.id = NEW.vehicle_id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER recall_target_scope BEFORE INSERT OR UPDATE ON vehicles_recalltarget
FOR EACH ROW EXECUTE FUNCTION vehicles_recall_target_scope();

CREATE FUNCTION vehicles_vehicle_scope_to_recall_targets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vehicles_recalltarget SET company_id = NEW.company_id, store_id = NEW.store_id
    WHERE vehicle_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER vehicle_scope_to_recall_targets AFTER UPDATE OF company_id, store_id ON vehicles_vehicle
FOR EACH ROW WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.store_id IS DISTINCT FROM NEW.store_id)
EXECUTE FUNCTION vehicles_vehicle_scope_to_recall_targets();

UPDATE vehicles_recalltarget t SET company_id = v.company_id, store_id = v.store_id
FROM vehicles_vehicle v WHERE v.id = t.vehicle_id;
"""

DROP_TRIGGERS_SQL = """
DROP TRIGGER vehicle_scope_to_recall_targets ON vehicles_vehicle;
DROP FUNCTION vehicles_vehicle_scope_to_recall_targets();
DROP TRIGGER recall_target_scope ON vehicles_recalltarget;
DROP FUNCTION vehicles_recall_target_scope();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('dealers', '0001_initial'),
        ('vehicles', '0009_portal_search_and_scope_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='recalltarget',
            name='company',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='dealers.dealercompany', verbose_name='company'),
        ),
        migrations.AddField(
            model_name='recalltarget',
            name='store',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='dealers.store', verbose_name='remote-maintenance store'),
        ),
        migrations.AddIndex(
            model_name='recalltarget',
            index=models.Index(fields=['company', 'campaign', 'store', 'status'], name='recall_target_scope_idx'),
        ),
        migrations.RunSQL(TRIGGERS_SQL, reverse_sql=DROP_TRIGGERS_SQL),
    ]
