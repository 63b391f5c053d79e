"""The database, not the application, decides what of the consent evidence a purge may remove.

- ``consent_evidence_purge()`` is the only way to delete consent events: a SECURITY DEFINER function,
  owned by the role that runs migrations, that removes only superseded events whose successor (the
  next event of the same subject and purpose) was recorded before the cutoff, never later than the
  floor of 1826 days (5 years) ago. The latest event of every subject and purpose, which proves what
  is in force, is never removed. Each removed event leaves a ``ConsentSeal`` (its seq and hashes), so
  the chain still verifies through it; its receipts go with it.
- The append-only trigger no longer honours ``fairpanel.consent_purge`` from just anyone: a DELETE
  passes only when that marker is set by the tables' owner, which is what the function runs as. The
  application's role cannot delete these rows at all (``core.db_roles``).
- An event is appended only after the tenant's chain head: nothing can be slipped into the past (a
  purged place in the chain, or before the head).
- Seals are append-only too; retention changes are recorded for auditors.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION consent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The retention purge's DELETE, and only it: consent_evidence_purge() runs as the tables' owner
    -- and marks its own transaction. The marker is worth nothing to any other role.
    IF TG_OP = 'DELETE'
       AND current_setting('fairpanel.consent_purge', true) = 'on'
       AND current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'consent log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION consent_event_after_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
BEGIN
    SELECT h.last_seq INTO head_seq FROM consent_consentchain h WHERE h.tenant_id = NEW.tenant_id;
    IF head_seq IS NULL OR NEW.seq <= head_seq THEN
        RAISE EXCEPTION 'consent log: event #% of tenant % does not come after the chain head (#%)',
            NEW.seq, NEW.tenant_id, coalesce(head_seq, 0) USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER consent_event_appended_after_head
    BEFORE INSERT ON consent_consentevent
    FOR EACH ROW EXECUTE FUNCTION consent_event_after_head();

CREATE TRIGGER consent_seal_append_only
    BEFORE UPDATE OR DELETE ON consent_consentseal
    FOR EACH ROW EXECUTE FUNCTION consent_refuse_change();

-- One window of a tenant's log: the next p_limit events after p_after_seq. Removes (or, in a dry run,
-- counts) those of them that rule 1 lets go, and returns the last seq it looked at (NULL when there
-- is nothing left to look at) with how many it removed.
CREATE FUNCTION consent_evidence_purge(
    p_tenant_id bigint, p_cutoff timestamptz, p_after_seq bigint, p_limit integer, p_dry_run boolean
) RETURNS TABLE (scanned_to bigint, purged integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    -- The floor of consent evidence (consent.privacy.EVIDENCE_FLOOR_DAYS): whatever a caller asks,
    -- nothing superseded less than 1826 days (5 years) ago goes.
    v_cutoff timestamptz := least(p_cutoff, now() - interval '1826 days');
    v_from bigint;
    v_upper bigint;
    v_ids bigint[];
BEGIN
    IF p_tenant_id IS NULL OR p_cutoff IS NULL OR p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 10000
       OR p_dry_run IS NULL THEN
        RAISE EXCEPTION 'consent_evidence_purge: give a tenant, a cutoff, a limit of 1 to 10000 and dry_run'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    purged := 0;
    -- One purge of a tenant at a time, and no append while its batch goes: appends lock the head too.
    SELECT h.sealed_seq INTO v_from FROM consent_consentchain h WHERE h.tenant_id = p_tenant_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEXT;
        RETURN;
    END IF;
    v_from := greatest(v_from, coalesce(p_after_seq, 0));
    -- An event superseded before the cutoff comes before the last event recorded before it.
    SELECT e.seq INTO v_upper FROM consent_consentevent e
     WHERE e.tenant_id = p_tenant_id AND e.occurred_at < v_cutoff
     ORDER BY e.occurred_at DESC LIMIT 1;
    IF v_upper IS NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT max(w.seq), coalesce(array_agg(w.id ORDER BY w.seq) FILTER (WHERE w.superseded_at < v_cutoff), '{}')
      INTO scanned_to, v_ids
      FROM (
        SELECT e.id, e.seq,
               -- when the next event of the same subject and purpose was recorded; NULL for the latest
               (SELECT n.occurred_at FROM consent_consentevent n
                 WHERE n.tenant_id = e.tenant_id AND n.subject = e.subject
                   AND n.purpose_key = e.purpose_key AND n.seq > e.seq
                 ORDER BY n.seq LIMIT 1) AS superseded_at
          FROM consent_consentevent e
         WHERE e.tenant_id = p_tenant_id AND e.seq > v_from AND e.seq < v_upper
         ORDER BY e.seq
         LIMIT p_limit
      ) w;
    IF scanned_to IS NULL OR p_dry_run THEN
        purged := coalesce(cardinality(v_ids), 0);
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO consent_consentseal (tenant_id, seq, prev_hash, hash, purged_at)
        SELECT e.tenant_id, e.seq, e.prev_hash, e.hash, now()
          FROM consent_consentevent e WHERE e.id = ANY (v_ids);
    DELETE FROM consent_consentreceipt r WHERE r.event_id = ANY (v_ids);
    PERFORM set_config('fairpanel.consent_purge', 'on', true);
    DELETE FROM consent_consentevent e WHERE e.id = ANY (v_ids);
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM set_config('fairpanel.consent_purge', 'off', true);
    RETURN NEXT;
END;
$$;

REVOKE ALL ON FUNCTION consent_evidence_purge(bigint, timestamptz, bigint, integer, boolean) FROM PUBLIC;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS consent_evidence_purge(bigint, timestamptz, bigint, integer, boolean);
DROP TRIGGER IF EXISTS consent_seal_append_only ON consent_consentseal;
DROP TRIGGER IF EXISTS consent_event_appended_after_head ON consent_consentevent;
DROP FUNCTION IF EXISTS consent_event_after_head();
CREATE OR REPLACE FUNCTION consent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('fairpanel.consent_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'consent log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0008_encrypt_signing_keys"),
        ("tenants", "0003_contact_cap_and_reminders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ConsentSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField()),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("purged_at", models.DateTimeField()),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant"
                    ),
                ),
            ],
            options={
                "ordering": ["tenant_id", "seq"],
                "constraints": [models.UniqueConstraint(fields=("tenant", "seq"), name="consentseal_seq_unique")],
            },
        ),
        migrations.CreateModel(
            name="RetentionChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("category", models.CharField(max_length=64)),
                ("previous_days", models.PositiveIntegerField(blank=True, null=True)),
                ("days", models.PositiveIntegerField()),
                ("role", models.CharField(max_length=16)),
                ("changed_at", models.DateTimeField(auto_now_add=True)),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant"
                    ),
                ),
            ],
            options={
                "ordering": ["tenant_id", "-changed_at", "-id"],
                "indexes": [models.Index(fields=["tenant", "-changed_at"], name="retentionchange_tenant_latest")],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
