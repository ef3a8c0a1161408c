"""which days of the week a placement uses, so capacity counts only those

Revision ID: 0013_placement_weekdays
Revises: 0012_kept_forms

Capacity counted a 2-days-a-week placement on all five weekdays, so two part-time
placements closed a service to everyone else. A placement now says which weekdays it
uses (bits: Monday = 1 … Friday = 16) and capacity counts it on those alone; how many
days a week follows from them, so ``days_per_week`` goes.
Placements made before this said only how many days: they are taken to use the first
that many weekdays (2 days: Monday and Tuesday), which a service lead can see on the
placement and the partner manager can correct by asking again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_placement_weekdays"
down_revision = "0012_kept_forms"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("placements") as batch_op:
        batch_op.add_column(sa.Column("weekdays", sa.SmallInteger(), nullable=True))
    op.execute("UPDATE placements SET weekdays = (1 << days_per_week) - 1")
    with op.batch_alter_table("placements") as batch_op:
        batch_op.alter_column("weekdays", existing_type=sa.SmallInteger(), nullable=False)
        batch_op.create_check_constraint("weekdays_monday_to_friday", "weekdays BETWEEN 1 AND 31")
        batch_op.drop_constraint(op.f("ck_placements_days_per_week_range"), type_="check")
        batch_op.drop_column("days_per_week")


def downgrade():
    with op.batch_alter_table("placements") as batch_op:
        batch_op.add_column(sa.Column("days_per_week", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE placements SET days_per_week = (weekdays & 1) + (weekdays >> 1 & 1)"
        " + (weekdays >> 2 & 1) + (weekdays >> 3 & 1) + (weekdays >> 4 & 1)"
    )
    with op.batch_alter_table("placements") as batch_op:
        batch_op.alter_column("days_per_week", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint("days_per_week_range", "days_per_week BETWEEN 1 AND 5")
        batch_op.drop_constraint(op.f("ck_placements_weekdays_monday_to_friday"), type_="check")
        batch_op.drop_column("weekdays")
