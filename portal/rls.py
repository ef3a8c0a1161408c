"""Row-level security DDL, used by migrations: the PostgreSQL half of tenancy.

Every tenant-owned table gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and a
``tenant_scope`` policy reading the scope ``portal.tenancy`` sets per transaction
(``app.tenant_ids``); cohort-shared tables also get a read-only ``cohort_shared``
policy.
"""

from __future__ import annotations

SCOPE_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_tenant_scope() RETURNS integer[]
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    string_to_array(NULLIF(current_setting('app.tenant_ids', true), ''), ',')::integer[],
    '{}'::integer[])
$$;
"""


# The cohorts of the authorities in scope: their shared rows are visible too.
COHORTS_IN_SCOPE = (
    "SELECT cohort_id FROM tenants WHERE id = ANY ((SELECT portal_tenant_scope())::integer[])"
)


def rls_statements(table: str, *, host_rows: bool = False, shared: bool = False) -> list[str]:
    """SQL that puts ``table`` under the tenant-scope policy (owner included).

    ``host_rows``: rows with no tenant are the host's, visible to all. ``shared``: rows
    shared with a cohort are visible to its authorities, but only for reading: a second
    policy ``FOR SELECT``, so an UPDATE or DELETE reaches the owner's rows alone.
    """
    # The scalar subquery makes PostgreSQL evaluate the scope once per query (an
    # InitPlan) instead of parsing the setting again for every row it checks.
    rule = "tenant_id = ANY ((SELECT portal_tenant_scope())::integer[])"
    if host_rows:
        rule = f"(tenant_id IS NULL OR {rule})"
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_scope ON {table}",
        f"DROP POLICY IF EXISTS cohort_shared ON {table}",
        f"CREATE POLICY tenant_scope ON {table} USING ({rule}) WITH CHECK ({rule})",
    ]
    if shared:
        statements.append(
            f"CREATE POLICY cohort_shared ON {table} FOR SELECT "
            f"USING (shared_cohort_id IN ({COHORTS_IN_SCOPE}))"
        )
    return statements


def enable_rls(op, tables: dict[str, bool | str]) -> None:
    """In a migration: put each table under the policy. Values: True if host (no tenant)
    rows are allowed, False if not, "shared" for rows that may be shared with a cohort."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SCOPE_FUNCTION)
    for table, kind in tables.items():
        for statement in rls_statements(table, host_rows=kind is True, shared=kind == "shared"):
            op.execute(statement)


def disable_rls(op, tables: dict[str, bool]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS cohort_shared ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant_scope ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
