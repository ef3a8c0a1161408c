"""the practice leader programme's rounds, criteria and eligibility questions

Revision ID: 0014_programme_rounds
Revises: 0013_placement_weekdays

The programme is host-run and national: its rounds are not a partner authority's, so
these tables hold no tenant and need no row-level security (admins write them; the
open round's dates and criteria are public). Applications, with the per-person
policies they need, come next.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_programme_rounds"
down_revision = "0013_placement_weekdays"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "programme_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_programme_rounds_closes_after_it_opens")),
        sa.CheckConstraint("places BETWEEN 1 AND 500", name=op.f("ck_programme_rounds_places_range")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_programme_rounds_created_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_rounds")),
        sa.UniqueConstraint("title", name=op.f("uq_programme_rounds_title")),
    )
    op.create_table(
        "programme_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("descriptors", sa.JSON(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Enum("APPLICATION", "ASSESSMENT", name="stage", native_enum=False, length=20), nullable=False),
        sa.Column("independent", sa.Boolean(), nullable=False),
        sa.CheckConstraint("weight BETWEEN 1 AND 10", name=op.f("ck_programme_criteria_weight_range")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["programme_rounds.id"],
            name=op.f("fk_programme_criteria_round_id_programme_rounds"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_criteria")),
        sa.UniqueConstraint("round_id", "title", name=op.f("uq_programme_criteria_round_id")),
    )
    op.create_index(op.f("ix_programme_criteria_round_id"), "programme_criteria", ["round_id"])
    op.create_table(
        "programme_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("eligible_answer", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["programme_rounds.id"],
            name=op.f("fk_programme_questions_round_id_programme_rounds"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_questions")),
    )
    op.create_index(op.f("ix_programme_questions_round_id"), "programme_questions", ["round_id"])


def downgrade():
    op.drop_table("programme_questions")
    op.drop_table("programme_criteria")
    op.drop_table("programme_rounds")
