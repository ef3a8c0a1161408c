"""board search that uses its index under row-level security

Revision ID: 0009_search_under_rls
Revises: 0008_sign_in_sessions

PostgreSQL only (embedded mode's FTS5 table is unchanged). Under row-level security
the planner may not use a GIN index for ``search_vector @@ query`` on reflections:
``@@`` (ts_match_vq) is not leakproof, so it must run after the policy, row by row,
and every search read all the reflections in scope (190 ms at 100,000; as fast with
no match at all). Marking it leakproof needs a superuser.

So the words live in a table of their own, ``reflection_search``: one row per
reflection (its document, and the owner and cohort it is shared with, copied by a
trigger), GIN-indexed, with no grant to the application's role. The application
reaches it only through ``portal_matching_reflections(query)``, a SECURITY DEFINER
function that applies the same scope as the reflections' policies (the authorities
in ``app.tenant_ids``, and the cohorts they are in for shared rows) and returns ids.
The search then asks for ``reflections.id IN (those ids)`` under the reflections'
own policies and the visibility rule, as before: an integer comparison, which is
leakproof, so the primary key is used. The tsvector also leaves the reflections'
rows, which were ~1.9 kB each with it.
"""

from alembic import op

from portal.rls import COHORTS_IN_SCOPE

revision = "0009_search_under_rls"
down_revision = "0008_sign_in_sessions"
branch_labels = None
depends_on = None

DOCUMENT = "to_tsvector('english', coalesce(r.title, '') || ' ' || r.body)"

UPGRADE = [
    "DROP INDEX IF EXISTS ix_reflections_search",
    "ALTER TABLE reflections DROP COLUMN IF EXISTS search_vector",
    """
    CREATE TABLE reflection_search (
        reflection_id integer PRIMARY KEY REFERENCES reflections (id) ON DELETE CASCADE,
        tenant_id integer NOT NULL,
        shared_cohort_id integer,
        document tsvector NOT NULL
    )
    """,
    # The owner is under FORCE ROW LEVEL SECURITY too: see every authority's rows to copy
    # them (set_config(..., true) ends with the transaction).
    "SELECT set_config('app.tenant_ids', "
    "COALESCE((SELECT string_agg(id::text, ',') FROM tenants), ''), true)",
    f"""
    INSERT INTO reflection_search (reflection_id, tenant_id, shared_cohort_id, document)
    SELECT r.id, r.tenant_id, r.shared_cohort_id, {DOCUMENT}
    FROM reflections r
    """,
    "SELECT set_config('app.tenant_ids', '', true)",
    "CREATE INDEX ix_reflection_search_document ON reflection_search USING gin (document)",
    # Kept in step with every insert and every change to what it copies.
    f"""
    CREATE FUNCTION portal_index_reflection() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    BEGIN
      INSERT INTO reflection_search (reflection_id, tenant_id, shared_cohort_id, document)
      SELECT r.id, r.tenant_id, r.shared_cohort_id, {DOCUMENT} FROM (SELECT NEW.*) r
      ON CONFLICT (reflection_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id,
        shared_cohort_id = EXCLUDED.shared_cohort_id, document = EXCLUDED.document;
      RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER reflections_search_index
    AFTER INSERT OR UPDATE OF title, body, tenant_id, shared_cohort_id ON reflections
    FOR EACH ROW EXECUTE FUNCTION portal_index_reflection()
    """,
    # The same scope as the reflections' tenant_scope and cohort_shared policies.
    f"""
    CREATE FUNCTION portal_matching_reflections(query text) RETURNS SETOF integer
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 200
    SET search_path = pg_catalog, public AS $$
      SELECT s.reflection_id FROM reflection_search s
      WHERE s.document @@ websearch_to_tsquery('english', query)
        AND (s.tenant_id = ANY ((SELECT portal_tenant_scope())::integer[])
             OR s.shared_cohort_id IN ({COHORTS_IN_SCOPE}))
    $$
    """,
    "REVOKE ALL ON FUNCTION portal_matching_reflections(text) FROM PUBLIC",
    "REVOKE ALL ON FUNCTION portal_index_reflection() FROM PUBLIC",
]

DOWNGRADE = [
    "DROP TRIGGER IF EXISTS reflections_search_index ON reflections",
    "DROP FUNCTION IF EXISTS portal_index_reflection()",
    "DROP FUNCTION IF EXISTS portal_matching_reflections(text)",
    "DROP TABLE IF EXISTS reflection_search",
    "ALTER TABLE reflections ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(title, '') || ' ' || body)) STORED",
    "CREATE INDEX ix_reflections_search ON reflections USING gin (search_vector)",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
