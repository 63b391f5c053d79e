"""Entries are checked once per statement, as a set: each transaction's legs sum to zero, and each leg's
transaction and account exist and are its tenant's (they replace the foreign keys, checked one row at
a time). Accounts, like transactions, can no longer be deleted, so no check can be undone later.
"""

import django.db.models.deletion
from django.db import migrations, models

# The legs' parents are looked up by primary key, one index probe each: without a hash or merge join
# (and never a scan of the whole table), the check's cost follows the statement's rows, not the
# ledger's size. No JIT: its compile time would cost more than the lookups.
CHECK_PER_STATEMENT = """
CREATE OR REPLACE FUNCTION rewards_check_statement_balanced() RETURNS trigger LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off SET jit = off AS $$
DECLARE
    bad record;
BEGIN
    SELECT transaction_id, SUM(amount) AS total INTO bad FROM new_entries
        GROUP BY transaction_id HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %', bad.transaction_id, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT n.transaction_id, n.account_id INTO bad FROM new_entries n
        LEFT JOIN rewards_ledgertransaction t ON t.id = n.transaction_id AND t.tenant_id = n.tenant_id
        LEFT JOIN rewards_ledgeraccount a ON a.id = n.account_id AND a.tenant_id = n.tenant_id
        WHERE t.id IS NULL OR a.id IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger entry of transaction % on account %: no such transaction or account in its tenant',
            bad.transaction_id, bad.account_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rewards_accounts_kept BEFORE DELETE ON rewards_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION rewards_refuse_change();
"""

BALANCE_ONLY = """
DROP TRIGGER rewards_accounts_kept ON rewards_ledgeraccount;
DROP FUNCTION rewards_check_statement_balanced() CASCADE;
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


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0010_ledger_speed"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE rewards_ledgerentry DROP CONSTRAINT ledgerentry_account_of_tenant",
            "ALTER TABLE rewards_ledgerentry ADD CONSTRAINT ledgerentry_account_of_tenant FOREIGN KEY (tenant_id, account_id)"
            " REFERENCES rewards_ledgeraccount (tenant_id, id) DEFERRABLE INITIALLY DEFERRED",
        ),
        migrations.RunSQL(CHECK_PER_STATEMENT, BALANCE_ONLY),
        migrations.AlterField(
            model_name="ledgerentry",
            name="transaction",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="rewards.ledgertransaction",
            ),
        ),
    ]
