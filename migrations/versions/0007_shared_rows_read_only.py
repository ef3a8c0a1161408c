"""Cohort-shared rows are readable by the cohort, writable by their owner only.

Until now one policy per shared table let a cohort member's scope see shared rows
for every command, so a bulk DELETE in one authority's scope could remove another
authority's shared comment. Now ``tenant_scope`` is the owner's rule for every
command and a second policy, ``cohort_shared``, adds the cohort's rows FOR SELECT.

Revision ID: 0007_shared_rows_read_only
Revises: 0006_board_moderation
"""

from alembic import op

from portal.rls import COHORTS_IN_SCOPE, enable_rls

revision = "0007_shared_rows_read_only"
down_revision = "0006_board_moderation"
branch_labels = None
depends_on = None

SHARED = ("reflections", "reflection_comments", "reflection_reactions", "reflection_flags")


def upgrade():
    enable_rls(op, {table: "shared" for table in SHARED})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    rule = "tenant_id = ANY ((SELECT portal_tenant_scope())::integer[])"
    for table in SHARED:
        op.execute(f"DROP POLICY IF EXISTS cohort_shared ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant_scope ON {table}")
        op.execute(
            f"CREATE POLICY tenant_scope ON {table} "
            f"USING (({rule}) OR shared_cohort_id IN ({COHORTS_IN_SCOPE})) WITH CHECK ({rule})"
        )
