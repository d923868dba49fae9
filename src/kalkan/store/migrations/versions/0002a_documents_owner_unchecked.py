"""documents: the owner is checked once per batch, not by a foreign key per row

Revision ID: 0002a
Revises: 0002
Create Date: 2026-12-04

On PostgreSQL a foreign key is a trigger that reads and locks the agency's row for every
row inserted, which cost an import of stolen and lost documents as much as all its other
work together. The store writes only rows of the agency whose batch it writes, after that
agency was read and found active, and agencies are never deleted (only suspended): the key
guarded nothing the store does not guarantee already.
"""

from __future__ import annotations

from alembic import op

revision = "0002a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_documents_owner_agencies", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_documents_owner_agencies", "agencies", ["owner"], ["code"])
