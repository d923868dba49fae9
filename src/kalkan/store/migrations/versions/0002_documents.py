"""travel documents in bulk

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("issuing_state", sa.String(length=3), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("range_end", sa.String(length=30), nullable=True),
        sa.Column("document_status", sa.String(length=16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("holder_name", sa.String(length=300), nullable=True),
        sa.Column("restriction_mode", sa.String(length=12), nullable=False),
        sa.Column("restriction_agencies", sa.Text(), nullable=True),
        sa.Column("hit_disclosure", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner"], ["agencies.code"], name=op.f("fk_documents_owner_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_change_seq", ["change_seq"], unique=False)
        batch_op.create_index("uq_documents_number_state_type_owner", ["number", "issuing_state", "document_type", "owner"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("uq_documents_number_state_type_owner")
        batch_op.drop_index("ix_documents_change_seq")
    op.drop_table("documents")
