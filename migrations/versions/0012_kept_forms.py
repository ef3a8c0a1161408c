"""what was typed when the idle timeout came, kept until the person signs in again

Revision ID: 0012_kept_forms
Revises: 0011_board_newest_index

A form sent after the idle timeout (a reflection's "Save draft" half an hour after
the last click) signed the person out and lost the text. The fields are now kept
against the account and the page, put back into the form on that page after signing
in, and deleted then or after 12 hours. Identity data, like sign_in_sessions: no
row-level security.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_kept_forms"
down_revision = "0011_board_newest_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kept_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kept_forms_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_forms")),
        sa.UniqueConstraint("user_id", "path", name=op.f("uq_kept_forms_user_id")),
    )


def downgrade():
    op.drop_table("kept_forms")
