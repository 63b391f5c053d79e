"""The database, not the application, keeps the consent evidence unchangeable.

- consent events: every UPDATE and DELETE is refused;
- consent documents: a published row can be neither changed nor deleted.

Tests that simulate tampering disable these triggers inside their own transaction.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION consent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER consent_event_append_only
    BEFORE UPDATE OR DELETE ON consent_consentevent
    FOR EACH ROW EXECUTE FUNCTION consent_refuse_change();

CREATE FUNCTION consent_document_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
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

CREATE TRIGGER consent_document_immutable
    BEFORE UPDATE OR DELETE ON consent_consentdocument
    FOR EACH ROW EXECUTE FUNCTION consent_document_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS consent_document_immutable ON consent_consentdocument;
DROP FUNCTION IF EXISTS consent_document_refuse_change();
DROP TRIGGER IF EXISTS consent_event_append_only ON consent_consentevent;
DROP FUNCTION IF EXISTS consent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
