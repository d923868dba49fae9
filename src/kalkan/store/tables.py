"""The database schema (SQLAlchemy Core). Alembic migrations in ``migrations/`` follow it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# SQLite only auto-increments INTEGER PRIMARY KEY columns.
Serial = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

agencies = Table(
    "agencies",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("country", String(3), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("parent", String(32), ForeignKey("agencies.code"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("agency", String(32), ForeignKey("agencies.code"), nullable=False, index=True),
    Column("roles", String(200), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("language", String(8), nullable=False, default="en"),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("user_id", Serial, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

records = Table(
    "records",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("owner", String(32), ForeignKey("agencies.code"), nullable=False),
    Column("restriction_mode", String(12), nullable=False),
    Column("hit_disclosure", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("review_date", Date, nullable=False),
    Column("label", String(300), nullable=False),
    Column("search_text", Text, nullable=False),  # case-folded names, numbers and references
    Column("body", Text, nullable=False),
    Column("source_id", String(32), nullable=True),
    Column("target_id", String(32), nullable=True),
    Index("ix_records_kind_status", "kind", "status"),
    Index("ix_records_owner", "owner"),
    Index("ix_records_review_date", "review_date"),
    Index("ix_records_source_id", "source_id"),
    Index("ix_records_target_id", "target_id"),
)

#: The agencies listed in a record's restriction (modes "only" and "except").
record_agencies = Table(
    "record_agencies",
    metadata,
    Column("record_id", String(32), ForeignKey("records.id"), primary_key=True),
    Column("agency", String(32), primary_key=True),
)

#: What other record or list outside Kalkan's a record stands for; unique per owner.
record_refs = Table(
    "record_refs",
    metadata,
    Column("record_id", String(32), ForeignKey("records.id"), nullable=False, index=True),
    Column("owner", String(32), nullable=False),
    Column("scheme", String(40), nullable=False),
    Column("value", String(200), nullable=False),
    UniqueConstraint("owner", "scheme", "value"),
    Index("ix_record_refs_scheme_value", "scheme", "value"),
)

#: Every write, in order; indexes follow it to stay current.
change_log = Table(
    "change_log",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("record_id", String(32), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("op", String(12), nullable=False),
    Column("version", Integer, nullable=False),
)

#: Append-only, hash-chained: each entry's hash covers its fields and the previous hash.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("username", String(64), nullable=False),
    Column("agency", String(32), nullable=False, index=True),
    Column("action", String(40), nullable=False, index=True),
    Column("record_ids", Text, nullable=False),
    Column("query_digest", String(64), nullable=True),
    Column("detail", Text, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: One row: the last sequence and hash of the audit chain, locked by each append.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

#: The life cycle of each notice record (see store.notices); read by the visibility rule too,
#: since a notice is shared only once published.
notices = Table(
    "notices",
    metadata,
    Column("record_id", String(32), ForeignKey("records.id"), primary_key=True),
    Column("owner", String(32), nullable=False),
    Column("notice_type", String(24), nullable=False),
    Column("subject_id", String(32), nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("state", String(12), nullable=False),
    Column("review_pending", Boolean, nullable=False, default=False),
    Column("record_version", Integer, nullable=False),  # the version of the record the state applies to
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_notices_subject_id_state", "subject_id", "state"),
    Index("ix_notices_state", "state"),
)

notice_addressees = Table(
    "notice_addressees",
    metadata,
    Column("record_id", String(32), ForeignKey("records.id"), primary_key=True),
    Column("agency", String(32), primary_key=True),
)
