"""a board's newest posts straight off an index

Revision ID: 0011_board_newest_index
Revises: 0010_scope_with_the_person

A board page ordered by ``pinned_at IS NULL, coalesce(published_at, updated_at) DESC,
id DESC``, which no index held, so every view sorted every post on the board (and
counted them all again). Pinned posts are now read apart, and the rest in this
index's order: a page reads about 21 rows, however many the board has.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_board_newest_index"
down_revision = "0010_scope_with_the_person"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_reflections_board_newest",
        "reflections",
        ["board_id", sa.text("coalesce(published_at, updated_at) DESC"), sa.text("id DESC")],
    )


def downgrade():
    op.drop_index("ix_reflections_board_newest", table_name="reflections")
