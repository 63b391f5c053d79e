"""The database, not the application, keeps a published survey version unchangeable (as consent
documents): an UPDATE or DELETE of a row whose ``published_at`` is set is refused. Publishing itself
(setting ``published_at`` on a draft) passes, because the trigger reads the row as it was."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION surveys_version_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'published survey version % v% is immutable: % refused', OLD.survey_id, OLD.number, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER surveys_version_immutable
    BEFORE UPDATE OR DELETE ON surveys_surveyversion
    FOR EACH ROW EXECUTE FUNCTION surveys_version_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS surveys_version_immutable ON surveys_surveyversion;
DROP FUNCTION IF EXISTS surveys_version_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
