"""board moderation: the host's decisions in the host's own tables

Revision ID: 0006_board_moderation
Revises: 0005_boards
Create Date: 2026-12-01 10:30:00.000000

A facilitator's decisions (hiding a reflection or a comment, pinning, resolving a
flag) were written onto the authority's own rows, so a facilitator could not hide a
cohort-wide post from an authority they do not work with (the row is outside their
scope). They move to three host tables, not tenant-owned and so without row-level
security: reflection_moderation, comment_moderation and flag_resolutions.

The old columns are dropped, not kept: two places holding "is this hidden" would
drift, and anything still writing them would fail for exactly the facilitators this
fixes.

Data: a HIDDEN reflection becomes PUBLISHED again with a hide decision (who and when
from the audit log, where it says), or PENDING if it was a cohort-wide post with
findings that no facilitator had approved (it waits for one again). Hiding no longer
unshares a post (the application hides it from everyone but its author and the
moderators), so such posts, and the conversation on them, are shared with their
cohort again, as every published cohort-wide post is.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_board_moderation"
down_revision = "0005_boards"
branch_labels = None
depends_on = None

CONVERSATION = ("reflection_comments", "reflection_reactions", "reflection_flags")


def _see_every_tenant():
    """The owner is under FORCE ROW LEVEL SECURITY too: let this transaction see every
    authority's rows (set_config(..., true) ends with the transaction)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT set_config('app.tenant_ids', "
            "COALESCE((SELECT string_agg(id::text, ',') FROM tenants), ''), true)"
        )


def _see_no_tenant():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.tenant_ids', '', true)")


def _execute(sql: str, **params):
    statement = sa.text(sql)
    if params:
        statement = statement.bindparams(
            *(sa.bindparam(k, v, type_=sa.DateTime(timezone=True)) for k, v in params.items())
        )
    op.execute(statement)


def _share_conversations():
    """Comments, reactions and flags are shared exactly when their reflection is."""
    for table in CONVERSATION:
        _execute(
            f"UPDATE {table} SET shared_cohort_id = (SELECT r.shared_cohort_id "
            f"FROM reflections r WHERE r.id = {table}.reflection_id)"
        )


def _create_tables():
    op.create_table(
        "reflection_moderation",
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["users.id"], name=op.f("fk_reflection_moderation_hidden_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["pinned_by_id"], ["users.id"], name=op.f("fk_reflection_moderation_pinned_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reflection_id"], ["reflections.id"], name=op.f("fk_reflection_moderation_reflection_id_reflections"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reflection_id", name=op.f("pk_reflection_moderation")),
    )
    op.create_table(
        "comment_moderation",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("hidden_reason", sa.String(length=500), nullable=False),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["reflection_comments.id"], name=op.f("fk_comment_moderation_comment_id_reflection_comments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["users.id"], name=op.f("fk_comment_moderation_hidden_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_comment_moderation")),
    )
    op.create_table(
        "flag_resolutions",
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Enum("DISMISSED", "HIDDEN", "RESTORED", "RESOLVED", name="flagoutcome", native_enum=False, length=20), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["flag_id"], ["reflection_flags.id"], name=op.f("fk_flag_resolutions_flag_id_reflection_flags"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"], name=op.f("fk_flag_resolutions_resolved_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("flag_id", name=op.f("pk_flag_resolutions")),
    )


# The latest "reflection.hidden" audit event for the reflection r: who hid it, and when.
HIDDEN_EVENT = (
    "SELECT a.{column} FROM audit_events a WHERE a.action = 'reflection.hidden' "
    "AND a.object_type = 'Reflection' AND a.object_id = r.id "
    "ORDER BY a.occurred_at DESC, a.id DESC LIMIT 1"
)


def _move_decisions_out(now: datetime):
    _execute(
        "INSERT INTO reflection_moderation "
        "(reflection_id, hidden_reason, hidden_by_id, hidden_at, pinned_at, pinned_by_id) "
        "SELECT r.id, "
        "CASE WHEN r.status = 'HIDDEN' THEN COALESCE(r.hidden_reason, 'Hidden by a facilitator') END, "
        f"CASE WHEN r.status = 'HIDDEN' THEN ({HIDDEN_EVENT.format(column='actor_id')}) END, "
        f"CASE WHEN r.status = 'HIDDEN' THEN COALESCE(({HIDDEN_EVENT.format(column='occurred_at')}), :now) END, "
        "r.pinned_at, NULL "
        "FROM reflections r WHERE r.status = 'HIDDEN' OR r.pinned_at IS NOT NULL",
        now=now,
    )
    # A cohort-wide post with findings that nobody approved was hidden while it waited:
    # it waits again (the safe reading). Anything else was published.
    _execute(
        "UPDATE reflections SET status = CASE WHEN visibility = 'COHORT' AND findings > 0 "
        "AND approved_at IS NULL THEN 'PENDING' ELSE 'PUBLISHED' END WHERE status = 'HIDDEN'"
    )
    _execute(
        "UPDATE reflections SET shared_cohort_id = (SELECT b.cohort_id FROM boards b "
        "WHERE b.id = reflections.board_id) WHERE status = 'PUBLISHED' "
        "AND visibility = 'COHORT' AND shared_cohort_id IS NULL"
    )
    _share_conversations()
    _execute(
        "INSERT INTO comment_moderation (comment_id, hidden_reason, hidden_by_id, hidden_at) "
        "SELECT id, hidden_reason, NULL, :now FROM reflection_comments "
        "WHERE hidden_reason IS NOT NULL",
        now=now,
    )
    _execute(
        "INSERT INTO flag_resolutions (flag_id, outcome, resolved_by_id, resolved_at) "
        "SELECT id, 'RESOLVED', resolved_by_id, resolved_at FROM reflection_flags "
        "WHERE resolved_at IS NOT NULL"
    )


def upgrade():
    _create_tables()
    _see_every_tenant()
    _move_decisions_out(datetime.now(UTC))
    _see_no_tenant()
    # On SQLite, "never" drops the two plain columns in place (ALTER TABLE ... DROP
    # COLUMN): rebuilding reflections would drop its full-text search triggers.
    with op.batch_alter_table("reflections", recreate="never") as batch_op:
        batch_op.drop_column("pinned_at")
        batch_op.drop_column("hidden_reason")
    with op.batch_alter_table("reflection_comments", recreate="never") as batch_op:
        batch_op.drop_column("hidden_reason")
    # resolved_by_id has a foreign key: SQLite rebuilds this table (it has no triggers).
    with op.batch_alter_table("reflection_flags") as batch_op:
        batch_op.drop_constraint("fk_reflection_flags_resolved_by_id_users", type_="foreignkey")
        batch_op.drop_column("resolved_by_id")
        batch_op.drop_column("resolved_at")


def downgrade():
    with op.batch_alter_table("reflection_flags") as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_reflection_flags_resolved_by_id_users", "users", ["resolved_by_id"], ["id"]
        )
    with op.batch_alter_table("reflection_comments", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("reflections", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True))
    _see_every_tenant()
    decision = "SELECT m.{column} FROM reflection_moderation m WHERE m.reflection_id = reflections.id"
    _execute(
        f"UPDATE reflections SET pinned_at = ({decision.format(column='pinned_at')}), "
        f"hidden_reason = ({decision.format(column='hidden_reason')} AND m.hidden_at IS NOT NULL)"
    )
    # The old code unshared a hidden post (and its conversation).
    _execute(
        "UPDATE reflections SET status = 'HIDDEN', shared_cohort_id = NULL WHERE id IN "
        "(SELECT reflection_id FROM reflection_moderation WHERE hidden_at IS NOT NULL)"
    )
    _share_conversations()
    _execute(
        "UPDATE reflection_comments SET hidden_reason = (SELECT m.hidden_reason "
        "FROM comment_moderation m WHERE m.comment_id = reflection_comments.id)"
    )
    resolution = "SELECT f.{column} FROM flag_resolutions f WHERE f.flag_id = reflection_flags.id"
    _execute(
        f"UPDATE reflection_flags SET resolved_at = ({resolution.format(column='resolved_at')}), "
        f"resolved_by_id = ({resolution.format(column='resolved_by_id')})"
    )
    _see_no_tenant()
    op.drop_table("flag_resolutions")
    op.drop_table("comment_moderation")
    op.drop_table("reflection_moderation")
