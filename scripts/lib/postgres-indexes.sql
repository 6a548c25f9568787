SET client_min_messages = warning;
-- FerretDB's database in the stack's own PostgreSQL cluster (scripts/lib/postgres.sh runs this at every start;
-- every statement is idempotent). Why: docs/database.md, "The local database".
--
-- FerretDB 1.24 pushes each top-level equality of a filter down as `_jsonb->'field' @> '"value"'`, and
-- its own indexes are btree on `(_jsonb->'field')`, which cannot serve `@>`: every query would read the
-- whole collection. A GIN index on the same expression serves `@>`, so every collection FerretDB creates
-- gets one per key the engine filters on by equality.

-- The keys of the engine's equality filters (src/**/*.repository.ts): `_id` (every lookup by key),
-- `pair` (a conversation's messages), `dedupe_key` (a redelivered message's stored version), `owner`
-- (a user's conversation summaries and archives), `peer` (read states of a group), `user_id`
-- (connections), `blocker`/`blocked` (blocks).
CREATE OR REPLACE FUNCTION public.stack_equality_keys() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['_id', 'pair', 'dedupe_key', 'owner', 'peer', 'user_id', 'blocker', 'blocked']
$$;

-- Adds the missing indexes to one of FerretDB's collection tables (any table with a `_jsonb` column
-- outside FerretDB's own metadata tables); other tables are left alone.
CREATE OR REPLACE FUNCTION public.stack_index_collection(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  rel record;
  key text;
BEGIN
  SELECT n.nspname, c.relname, c.relkind INTO rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  IF rel.relkind <> 'r' OR rel.relname LIKE '\_ferretdb\_%' OR rel.nspname IN ('public', 'pg_catalog', 'information_schema') THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = '_jsonb' AND NOT attisdropped) THEN
    RETURN;
  END IF;
  FOREACH key IN ARRAY public.stack_equality_keys() LOOP
    -- jsonb_path_ops: serves exactly `@>`, smaller and faster than the default GIN class.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb->%L) jsonb_path_ops)',
      'stack_eq_' || left(md5(rel.relname), 12) || '_' || key, rel.nspname, rel.relname, key);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION public.stack_index_new_collection() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
    PERFORM public.stack_index_collection(cmd.objid::regclass);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS stack_index_new_collection;
CREATE EVENT TRIGGER stack_index_new_collection ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION public.stack_index_new_collection();

-- Collections made before this file changed (a new key) get the indexes too.
SELECT public.stack_index_collection(c.oid)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped
  WHERE c.relkind = 'r';

-- A parallel sequential scan looked cheaper to the planner than the bitmap index scan, and took
-- 35 ms where the index takes 1-9 ms (100k messages): no parallel plans in this database.
ALTER DATABASE ferretdb SET max_parallel_workers_per_gather = 0;
-- FerretDB passes the key as a parameter (`_jsonb->$1`): only a plan made for the actual values
-- matches the index expression, so never a generic plan of a prepared statement.
ALTER DATABASE ferretdb SET plan_cache_mode = force_custom_plan;
