"""The database keeps the ledger's invariants (after django-hordak):

- every transaction's entries sum to zero, checked by a deferred constraint trigger at commit, so
  the legs of one posting may be inserted one by one;
- entries and transactions are never updated or deleted: a correction is a reversing transaction.
"""

from django.db import migrations

FORWARD = """
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

CREATE FUNCTION rewards_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % refused on %; post a reversing transaction instead',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER rewards_entries_append_only BEFORE UPDATE OR DELETE ON rewards_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION rewards_refuse_change();
CREATE TRIGGER rewards_transactions_append_only BEFORE UPDATE OR DELETE ON rewards_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION rewards_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS rewards_transactions_append_only ON rewards_ledgertransaction;
DROP TRIGGER IF EXISTS rewards_entries_append_only ON rewards_ledgerentry;
DROP FUNCTION IF EXISTS rewards_refuse_change();
DROP TRIGGER IF EXISTS rewards_entries_balance ON rewards_ledgerentry;
DROP FUNCTION IF EXISTS rewards_check_transaction_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("rewards", "0002_ledger")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
