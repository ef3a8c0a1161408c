"""programme applications, under per-person row-level security

Revision ID: 0015_programme_applications
Revises: 0014_programme_rounds

Applications come from any council, so they hold no tenant: who may see one follows
from who is asking (``portal.programme.scope``). On PostgreSQL the same rule is written
as policies reading ``app.programme_person`` / ``app.programme_admin`` /
``app.programme_endorsing``, set per transaction:

- an application: its applicant, its endorser (reading only) and the admins;
- its statements and answers: whoever may see the application (the policy reads the
  applications table, whose own policy applies), written by the applicant or an admin;
- equality monitoring: the applicant and the admins, never the endorser.

Forced, so the table owner is held to them too.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_programme_applications"
down_revision = "0014_programme_rounds"
branch_labels = None
depends_on = None

FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION portal_programme_person() RETURNS integer
    LANGUAGE sql STABLE AS $$
      SELECT COALESCE(NULLIF(current_setting('app.programme_person', true), '')::integer, -1)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION portal_programme_endorsing() RETURNS integer
    LANGUAGE sql STABLE AS $$
      SELECT COALESCE(NULLIF(current_setting('app.programme_endorsing', true), '')::integer, -1)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION portal_programme_admin() RETURNS boolean
    LANGUAGE sql STABLE AS $$
      SELECT COALESCE(current_setting('app.programme_admin', true), '') = 'on'
    $$
    """,
]
ADMIN = "(SELECT portal_programme_admin())"
PERSON = "(SELECT portal_programme_person())"
ENDORSING = "(SELECT portal_programme_endorsing())"
OWN = f"(SELECT a.id FROM programme_applications a WHERE a.applicant_id = {PERSON})"
POLICIES = {
    "programme_applications": (
        f"{ADMIN} OR applicant_id = {PERSON} OR id = {ENDORSING}",
        f"{ADMIN} OR applicant_id = {PERSON}",
    ),
    "programme_statements": (
        "application_id IN (SELECT id FROM programme_applications)",
        f"{ADMIN} OR application_id IN {OWN}",
    ),
    "programme_answers": (
        "application_id IN (SELECT id FROM programme_applications)",
        f"{ADMIN} OR application_id IN {OWN}",
    ),
    "programme_equality": (f"{ADMIN} OR application_id IN {OWN}", f"{ADMIN} OR application_id IN {OWN}"),
}


def _fk(column, table, name, ondelete=None):
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], name=op.f(name), ondelete=ondelete)


def upgrade():
    with op.batch_alter_table("programme_criteria") as batch:
        batch.add_column(sa.Column("word_limit", sa.Integer(), nullable=False, server_default="500"))
    op.create_table(
        "programme_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("DRAFT", "SUBMITTED", "WITHDRAWN", name="applicationstate", native_enum=False, length=20), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("job_title", sa.String(length=150), nullable=False),
        sa.Column("council_code", sa.String(length=9), nullable=True),
        sa.Column("management_years", sa.Integer(), nullable=True),
        sa.Column("management_summary", sa.Text(), nullable=False),
        sa.Column("swe_number", sa.String(length=12), nullable=True),
        sa.Column("extended_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("management_years BETWEEN 0 AND 60", name=op.f("ck_programme_applications_management_years_range")),
        _fk("round_id", "programme_rounds", "fk_programme_applications_round_id_programme_rounds", "RESTRICT"),
        _fk("applicant_id", "users", "fk_programme_applications_applicant_id_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_applications")),
        sa.UniqueConstraint("round_id", "applicant_id", name=op.f("uq_programme_applications_round_id")),
    )
    op.create_index(op.f("ix_programme_applications_round_id"), "programme_applications", ["round_id"])
    op.create_index(op.f("ix_programme_applications_applicant_id"), "programme_applications", ["applicant_id"])
    op.create_table(
        "programme_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("application_id", "programme_applications", "fk_programme_statements_application_id_programme_applications", "CASCADE"),
        _fk("criterion_id", "programme_criteria", "fk_programme_statements_criterion_id_programme_criteria", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_statements")),
        sa.UniqueConstraint("application_id", "criterion_id", name=op.f("uq_programme_statements_application_id")),
    )
    op.create_index(op.f("ix_programme_statements_application_id"), "programme_statements", ["application_id"])
    op.create_table(
        "programme_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=False),
        _fk("application_id", "programme_applications", "fk_programme_answers_application_id_programme_applications", "CASCADE"),
        _fk("question_id", "programme_questions", "fk_programme_answers_question_id_programme_questions", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_answers")),
        sa.UniqueConstraint("application_id", "question_id", name=op.f("uq_programme_answers_application_id")),
    )
    op.create_index(op.f("ix_programme_answers_application_id"), "programme_answers", ["application_id"])
    op.create_table(
        "programme_equality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("application_id", "programme_applications", "fk_programme_equality_application_id_programme_applications", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_equality")),
        sa.UniqueConstraint("application_id", name=op.f("uq_programme_equality_application_id")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in FUNCTIONS:
        op.execute(statement)
    for table, (using, check) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY programme_scope ON {table} USING ({using}) WITH CHECK ({check})")


def downgrade():
    op.drop_table("programme_equality")
    op.drop_table("programme_answers")
    op.drop_table("programme_statements")
    op.drop_table("programme_applications")
    with op.batch_alter_table("programme_criteria") as batch:
        batch.drop_column("word_limit")
    if op.get_bind().dialect.name == "postgresql":
        for name in ("person", "endorsing", "admin"):
            op.execute(f"DROP FUNCTION IF EXISTS portal_programme_{name}()")
