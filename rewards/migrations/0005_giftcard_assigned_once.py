"""A gift-card code, once assigned to a payout, stays with it: the database refuses to move or
unassign it, so a code can never reach two panelists."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION rewards_giftcard_assigned_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.payout_id IS NOT NULL AND NEW.payout_id IS DISTINCT FROM OLD.payout_id THEN
        RAISE EXCEPTION 'gift card % is assigned to payout % already; a code is given once', OLD.id, OLD.payout_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER rewards_giftcard_assigned_once BEFORE UPDATE ON rewards_giftcard
    FOR EACH ROW EXECUTE FUNCTION rewards_giftcard_assigned_once();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS rewards_giftcard_assigned_once ON rewards_giftcard;
DROP FUNCTION IF EXISTS rewards_giftcard_assigned_once();
"""


class Migration(migrations.Migration):
    dependencies = [("rewards", "0004_payouts")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
