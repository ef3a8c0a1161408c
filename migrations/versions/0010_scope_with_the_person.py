"""the scope is loaded with the person, in one statement

Revision ID: 0010_scope_with_the_person
Revises: 0009_search_under_rls

PostgreSQL only. Every request found its scope in four statements before doing any
work: all tenants' ids, a set_config to read across them, the person's memberships, a
set_config back. ``portal_person_tenant_ids(person)`` gives the ids of one person's
memberships as text ("1,3"), so the statement that loads the signed-in person loads
them too (``portal.tenancy.membership_tenant_ids``).

Memberships are under FORCE ROW LEVEL SECURITY, which holds for this function's owner
as well: it widens ``app.tenant_ids`` to every tenant for its own query only and puts
the transaction's value back before it returns, so nothing after it sees more. It
returns ids, never rows, and only the application's role may call it.
"""

from alembic import op

revision = "0010_scope_with_the_person"
down_revision = "0009_search_under_rls"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE FUNCTION portal_person_tenant_ids(person integer) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public AS $$
    DECLARE
      held text := COALESCE(current_setting('app.tenant_ids', true), '');
      found text;
    BEGIN
      PERFORM set_config('app.tenant_ids',
        COALESCE((SELECT string_agg(id::text, ',') FROM tenants), ''), true);
      SELECT string_agg(m.tenant_id::text, ',' ORDER BY m.tenant_id) INTO found
        FROM memberships m WHERE m.user_id = person;
      PERFORM set_config('app.tenant_ids', held, true);
      RETURN COALESCE(found, '');
    END
    $$
    """,
    "REVOKE ALL ON FUNCTION portal_person_tenant_ids(integer) FROM PUBLIC",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS portal_person_tenant_ids(integer)")
