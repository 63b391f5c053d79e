"""Payouts are checked once per statement, as a set, like the ledger's entries (0011): each payout's run
is its tenant's, and its account is its panelist's account in its tenant. Runs can no longer be
deleted, so no check can be undone later.
"""

import django.db.models.deletion
from django.db import migrations, models

CHECK_PER_STATEMENT = """
ALTER TABLE rewards_payout DROP CONSTRAINT payout_run_of_tenant;

CREATE FUNCTION rewards_check_payouts() RETURNS trigger LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off SET jit = off AS $$
DECLARE
    bad record;
BEGIN
    SELECT p.id INTO bad FROM new_payouts p
        LEFT JOIN rewards_payoutrun r ON r.id = p.run_id AND r.tenant_id = p.tenant_id
        LEFT JOIN rewards_ledgeraccount a
            ON a.id = p.account_id AND a.tenant_id = p.tenant_id AND a.panelist_id = p.panelist_id
        WHERE r.id IS NULL OR a.id IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'payout %: no such run in its tenant, or the account is not its panelist''s', bad.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rewards_payouts_checked AFTER INSERT ON rewards_payout
    REFERENCING NEW TABLE AS new_payouts FOR EACH STATEMENT EXECUTE FUNCTION rewards_check_payouts();
CREATE TRIGGER rewards_runs_kept BEFORE DELETE ON rewards_payoutrun
    FOR EACH ROW EXECUTE FUNCTION rewards_refuse_change();
"""

ROW_KEYS = """
DROP TRIGGER rewards_runs_kept ON rewards_payoutrun;
DROP TRIGGER rewards_payouts_checked ON rewards_payout;
DROP FUNCTION rewards_check_payouts();
ALTER TABLE rewards_payout ADD CONSTRAINT payout_run_of_tenant FOREIGN KEY (tenant_id, run_id)
    REFERENCES rewards_payoutrun (tenant_id, id) DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("panel", "0006_invitation_release"),
        ("rewards", "0011_ledger_entries_checked_per_statement"),
    ]

    operations = [
        migrations.RunSQL(CHECK_PER_STATEMENT, ROW_KEYS),
        migrations.AlterField(
            model_name="payout",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="rewards.ledgeraccount",
            ),
        ),
        migrations.AlterField(
            model_name="payout",
            name="panelist",
            field=models.ForeignKey(
                db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="panel.panelist"
            ),
        ),
    ]
