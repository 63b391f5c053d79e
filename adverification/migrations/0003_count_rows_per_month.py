"""How many raw count rows each tenant has in each monthly partition, kept as the rows come and go, so
the retention purge logs what a partition held without counting it (10 million rows took 2.6 s to
count, and 0.22 s to drop).

``adverification_adcount_rows`` holds one counter per tenant, month and shard (the device's id modulo
16, so that concurrent batches of a tenant rarely wait on one another's counter). Statement-level
triggers on the partitioned table keep it true whoever writes: the ingest's ``COPY``, a panelist
deleting a day, an erasure, a tenant's shorter retention. They see the statement's rows as a
transition table and add or take away one grouped sum per counter, in the statement's own transaction,
so a rolled-back batch counts nothing. ``adverification_partitions_drop`` now reads the counters of a
partition's month (the rows of one month are all in that month's partition) and removes them with it.
"""

import importlib

from django.db import migrations

# The drop function as 0002 made it, and as this migration changes it: the same rules, with the rows
# per tenant read from the counters, which go with the partition.
DROP_0002 = importlib.import_module("adverification.migrations.0002_partitioned_counts").FORWARD
DROP_0002 = DROP_0002[DROP_0002.index("CREATE FUNCTION adverification_partitions_drop") :]
DROP_0002 = "CREATE OR REPLACE" + DROP_0002[len("CREATE") : DROP_0002.index("$$;") + 3] + "\n"
COUNT_0002 = """        FOR tenant_id, purged IN EXECUTE format(
            'SELECT tenant_id, count(*) FROM public.%I GROUP BY tenant_id ORDER BY tenant_id', v_part.name
        ) LOOP"""
COUNT_0003 = """        -- The counters of the partition's month, not a count of its rows: the same figure, kept by
        -- the triggers as rows came and went.
        FOR tenant_id, purged IN
            SELECT r.tenant_id, sum(r.rows)::bigint FROM adverification_adcount_rows r
             WHERE r.month = v_part.starts::date GROUP BY r.tenant_id HAVING sum(r.rows) > 0 ORDER BY r.tenant_id
        LOOP"""
DROP_0002_TABLE = """            EXECUTE format('DROP TABLE public.%I', v_part.name);
"""
DELETE_COUNTERS = """            DELETE FROM adverification_adcount_rows r WHERE r.month = v_part.starts::date;
"""
assert COUNT_0002 in DROP_0002
assert DROP_0002_TABLE in DROP_0002
DROP_0003 = DROP_0002.replace(COUNT_0002, COUNT_0003).replace(DROP_0002_TABLE, DROP_0002_TABLE + DELETE_COUNTERS)

FORWARD = """
CREATE TABLE adverification_adcount_rows (
    tenant_id bigint NOT NULL,
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    shard smallint NOT NULL,
    rows bigint NOT NULL CHECK (rows >= 0),
    PRIMARY KEY (tenant_id, month, shard)
);

CREATE FUNCTION adverification_adcount_rows_added() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public SET timezone = 'UTC' AS $$
BEGIN
    -- Counters in key order, so two statements never wait on each other's rows crosswise.
    INSERT INTO adverification_adcount_rows AS r (tenant_id, month, shard, rows)
    SELECT tenant_id, date_trunc('month', hour)::date, device_id % 16, count(*)
      FROM added GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, month, shard) DO UPDATE SET rows = r.rows + excluded.rows;
    RETURN NULL;
END;
$$;

CREATE FUNCTION adverification_adcount_rows_removed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public SET timezone = 'UTC' AS $$
BEGIN
    UPDATE adverification_adcount_rows AS r SET rows = r.rows - gone.rows
      FROM (SELECT tenant_id, date_trunc('month', hour)::date AS month, device_id % 16 AS shard, count(*) AS rows
              FROM removed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) AS gone
     WHERE (r.tenant_id, r.month, r.shard) = (gone.tenant_id, gone.month, gone.shard);
    RETURN NULL;
END;
$$;

CREATE TRIGGER adcount_rows_added AFTER INSERT ON adverification_adcount
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION adverification_adcount_rows_added();
CREATE TRIGGER adcount_rows_removed AFTER DELETE ON adverification_adcount
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION adverification_adcount_rows_removed();

-- Rows are only ever inserted and deleted: an update that moved a row to another month or device
-- would leave the counters wrong, so none is allowed. Emptying the whole table empties the counters.
CREATE FUNCTION adverification_adcount_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'raw ad counts are only inserted and deleted, never updated'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER adcount_no_update BEFORE UPDATE ON adverification_adcount
    FOR EACH STATEMENT EXECUTE FUNCTION adverification_adcount_frozen();
CREATE FUNCTION adverification_adcount_rows_emptied() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM adverification_adcount_rows;
    RETURN NULL;
END;
$$;
CREATE TRIGGER adcount_rows_emptied AFTER TRUNCATE ON adverification_adcount
    FOR EACH STATEMENT EXECUTE FUNCTION adverification_adcount_rows_emptied();

INSERT INTO adverification_adcount_rows (tenant_id, month, shard, rows)
SELECT tenant_id, date_trunc('month', hour AT TIME ZONE 'UTC')::date, device_id % 16, count(*)
  FROM adverification_adcount GROUP BY 1, 2, 3;
"""

BACKWARD = """
DROP TRIGGER adcount_rows_emptied ON adverification_adcount;
DROP FUNCTION adverification_adcount_rows_emptied();
DROP TRIGGER adcount_no_update ON adverification_adcount;
DROP FUNCTION adverification_adcount_frozen();
DROP TRIGGER adcount_rows_removed ON adverification_adcount;
DROP TRIGGER adcount_rows_added ON adverification_adcount;
DROP FUNCTION adverification_adcount_rows_removed();
DROP FUNCTION adverification_adcount_rows_added();
DROP TABLE adverification_adcount_rows;
"""


class Migration(migrations.Migration):
    dependencies = [("adverification", "0002_partitioned_counts")]

    operations = [migrations.RunSQL(FORWARD + DROP_0003, DROP_0002 + BACKWARD)]
