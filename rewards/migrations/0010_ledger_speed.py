"""The ledger made fast without giving up an invariant (README, "Money"):

- the balance check runs once per statement over the rows it inserted (a transition table), not once
  per row at commit: both posting paths insert a transaction's legs in one statement, and the sum of
  a transaction's entries is the sum of what each statement added to it, so every statement adding
  zero to each transaction keeps every transaction at zero;
- the tenant's own accounts (expense, clearing, providers, charities) no longer cache a balance: their
  cached balances are dropped to 0 here (their balance is the sum of their entries), and a check
  constraint keeps them there;
- entries and payouts check their tenant through one composite foreign key each, (tenant_id,
  account_id) and (tenant_id, run_id), instead of separate keys to the tenant and to the account or run.
"""

import django.db.models.deletion
from django.db import migrations, models

BALANCE_CHECK_PER_STATEMENT = """
DROP TRIGGER rewards_entries_balance ON rewards_ledgerentry;
DROP FUNCTION rewards_check_transaction_balanced();

CREATE FUNCTION rewards_check_statement_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT transaction_id, SUM(amount) AS total INTO bad FROM new_entries
        GROUP BY transaction_id HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %', bad.transaction_id, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rewards_entries_balance
    AFTER INSERT ON rewards_ledgerentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION rewards_check_statement_balanced();
"""

BALANCE_CHECK_PER_ROW = """
DROP TRIGGER rewards_entries_balance ON rewards_ledgerentry;
DROP FUNCTION rewards_check_statement_balanced();

CREATE FUNCTION rewards_check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total FROM rewards_ledgerentry WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER rewards_entries_balance
    AFTER INSERT ON rewards_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION rewards_check_transaction_balanced();
"""

COMPOSITE_KEYS = """
ALTER TABLE rewards_ledgerentry ADD CONSTRAINT ledgerentry_account_of_tenant
    FOREIGN KEY (tenant_id, account_id) REFERENCES rewards_ledgeraccount (tenant_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE rewards_payout ADD CONSTRAINT payout_run_of_tenant
    FOREIGN KEY (tenant_id, run_id) REFERENCES rewards_payoutrun (tenant_id, id)
    DEFERRABLE INITIALLY DEFERRED;
"""

DROP_COMPOSITE_KEYS = """
ALTER TABLE rewards_payout DROP CONSTRAINT payout_run_of_tenant;
ALTER TABLE rewards_ledgerentry DROP CONSTRAINT ledgerentry_account_of_tenant;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("panel", "0006_invitation_release"),
        ("rewards", "0009_bonus_confirm_above"),
        ("tenants", "0003_contact_cap_and_reminders"),
    ]

    operations = [
        migrations.RunSQL(BALANCE_CHECK_PER_STATEMENT, BALANCE_CHECK_PER_ROW),
        migrations.RunSQL(
            "UPDATE rewards_ledgeraccount SET balance = 0 WHERE kind <> 'panelist' AND balance <> 0",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="rewards.ledgeraccount",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="tenant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenants.tenant",
            ),
        ),
        migrations.AlterField(
            model_name="ledgertransaction",
            name="tenant",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant"
            ),
        ),
        migrations.AlterField(
            model_name="payout",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payouts",
                to="rewards.payoutrun",
            ),
        ),
        migrations.AlterField(
            model_name="payout",
            name="tenant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenants.tenant",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "panelist"), ("balance", 0), _connector="OR"),
                name="ledgeraccount_only_panelists_cache_a_balance",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.UniqueConstraint(fields=("tenant", "id"), name="ledgeraccount_tenant_id_unique"),
        ),
        migrations.AddConstraint(
            model_name="payoutrun",
            constraint=models.UniqueConstraint(fields=("tenant", "id"), name="payoutrun_tenant_id_unique"),
        ),
        migrations.RunSQL(COMPOSITE_KEYS, DROP_COMPOSITE_KEYS),
    ]
