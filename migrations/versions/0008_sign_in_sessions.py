"""sign-in sessions held on the server, so they can be ended

Revision ID: 0008_sign_in_sessions
Revises: 0007_shared_rows_read_only

A signed cookie alone cannot be taken back: a copy kept after signing out worked for
ever. Each sign-in is now a row; the cookie carries a secret whose SHA-256 is stored,
and every request checks the row is open and not idle. Signing out, the idle
timeout, a password change, deactivation, a role change and an admin's "end
sessions" close rows. Identity data, like users: not tenant-owned, no row-level
security. Sessions signed in before this migration end (their cookies have no row).

users.deactivated_at records the last deactivation, so what was issued before it (a
calendar feed link) stays revoked when the person is reactivated.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_sign_in_sessions"
down_revision = "0007_shared_rows_read_only"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=30), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_sessions_token_hash")),
    )
    with op.batch_alter_table("sign_in_sessions") as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_sessions_user_id"), ["user_id"])


def downgrade():
    op.drop_table("sign_in_sessions")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("deactivated_at")
