"""Two narrow exceptions to the evidence triggers.

- A retention purge may delete the oldest consent events, but only inside a transaction that sets
  ``fairpanel.consent_purge`` and seals the purged prefix (consent.privacy.evidence_purge).
- Erasing a staff member may unlink them from the consent texts they authored (``created_by``);
  every other column of a published document stays immutable.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION consent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('fairpanel.consent_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'consent log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION consent_document_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        IF TG_OP = 'UPDATE'
           AND ROW(NEW.tenant_id, NEW.purpose_id, NEW.version, NEW.language, NEW.title, NEW.body,
                   NEW.body_sha256, NEW.change, NEW.effective_at, NEW.published_at, NEW.created_at)
               IS NOT DISTINCT FROM
               ROW(OLD.tenant_id, OLD.purpose_id, OLD.version, OLD.language, OLD.title, OLD.body,
                   OLD.body_sha256, OLD.change, OLD.effective_at, OLD.published_at, OLD.created_at)
           AND NEW.created_by_id IS NULL THEN
            RETURN NEW;  -- only the author link is removed (staff erasure)
        END IF;
        RAISE EXCEPTION 'published consent document % v% (%) is immutable: % refused',
            OLD.purpose_id, OLD.version, OLD.language, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("consent", "0005_privacy_registry")]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
