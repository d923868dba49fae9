"""biometric samples

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "biometric_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("modality", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("impression", sa.String(length=12), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("image_format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("template", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_biometric_samples_record_id_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_biometric_samples")),
    )
    with op.batch_alter_table("biometric_samples", schema=None) as batch_op:
        batch_op.create_index("ix_biometric_samples_modality_id", ["modality", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_biometric_samples_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("biometric_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_biometric_samples_record_id"))
        batch_op.drop_index("ix_biometric_samples_modality_id")
    op.drop_table("biometric_samples")
