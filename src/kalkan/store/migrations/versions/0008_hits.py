"""checks and hits

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("traveller_key", sa.String(length=64), nullable=True),
        sa.Column("context", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agency"], ["agencies.code"], name=op.f("fk_checks_agency_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index("ix_checks_agency_at", ["agency", "at"], unique=False)

    op.create_table(
        "hits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("check_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("record_kind", sa.String(length=24), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("checking_agency", sa.String(length=32), nullable=False),
        sa.Column("traveller_key", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("notice_ids", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["checks.id"], name=op.f("fk_hits_check_id_checks")),
        sa.ForeignKeyConstraint(["owner"], ["agencies.code"], name=op.f("fk_hits_owner_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hits")),
    )
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hits_check_id"), ["check_id"], unique=False)
        batch_op.create_index("ix_hits_owner_state", ["owner", "state"], unique=False)
        batch_op.create_index("ix_hits_traveller_key_record_id", ["traveller_key", "record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.drop_index("ix_hits_traveller_key_record_id")
        batch_op.drop_index("ix_hits_owner_state")
        batch_op.drop_index(batch_op.f("ix_hits_check_id"))
    op.drop_table("hits")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index("ix_checks_agency_at")
    op.drop_table("checks")
