"""The schema, as SQLAlchemy Core tables. Alembic revisions are checked against this metadata."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    false,
    true,
)

from domain.email import MAX_EMAIL_LENGTH
from domain.passkey import MAX_PASSKEY_NAME_LENGTH

# Stable constraint names, so migrations can drop or alter them on every backend, and the
# adapter can tell which constraint an IntegrityError is about.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

TOKEN_ID_LENGTH = 64
USER_AGENT_LENGTH = 512
AMR_LENGTH = 64
UNIQUE_EMAIL = "uq_users_email"
UNIQUE_CREDENTIAL_ID = "uq_passkeys_credential_id"


users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(MAX_EMAIL_LENGTH), nullable=False),
    Column("password_hash", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    # Goes up at every credential change; a session holds the one its login checked.
    Column("credentials_version", Integer, nullable=False, server_default="0"),
    Column("email_verified", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("email", name=UNIQUE_EMAIL),
    # Email values arrive lower-cased; the check keeps a hand-written row from breaking the
    # case-insensitive uniqueness the unique constraint relies on.
    CheckConstraint("email = lower(email)", name="email_lowercase"),
)

refresh_sessions = Table(
    "refresh_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "user_id",
        Uuid,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("current_token_id", String(TOKEN_ID_LENGTH), nullable=False),
    Column("previous_token_id", String(TOKEN_ID_LENGTH), nullable=True),
    Column("rotated_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("idle_expires_at", DateTime(timezone=True), nullable=False),
    Column("user_agent", String(USER_AGENT_LENGTH), nullable=True),
    Column("credentials_version", Integer, nullable=False, server_default="0"),
    # How the login proved who the user is: RFC 8176 values separated by spaces ("pwd",
    # "pwd otp mfa"). Plain text reads back the same through every driver, where a JSON column
    # comes back decoded from SQLAlchemy but as text from asyncpg's own API.
    Column("amr", String(AMR_LENGTH), nullable=False, server_default="pwd"),
)

# For pruning dead sessions. `idle_expires_at` is never later than `expires_at`, so it is the
# moment every unrevoked session stops being usable; revoked ones are found by `revoked_at`.
Index("ix_refresh_sessions_idle_expires_at", refresh_sessions.c.idle_expires_at)
Index("ix_refresh_sessions_revoked_at", refresh_sessions.c.revoked_at)

TOKEN_HASH_LENGTH = 64  # SHA-256, hex

# One-time links (docs/api.md "Account recovery and email verification"): the token's SHA-256 only.
one_time_links = Table(
    "one_time_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email", String(MAX_EMAIL_LENGTH), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("token_hash", String(TOKEN_HASH_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("token_hash"),
    CheckConstraint("purpose IN ('reset', 'verify')", name="purpose"),
)

# Forgot-password requests, queued by the request and answered by the sender loop, so the
# request does the same work whether or not the email has an account (docs/api.md, no enumeration).
reset_requests = Table(
    "reset_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(MAX_EMAIL_LENGTH), nullable=False),
    Column("client_ip", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

# Mail waiting to leave; a row commits with the link it carries. Sent and given-up rows stay
# for the record (and the metrics) until pruned.
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("recipient", String(MAX_EMAIL_LENGTH), nullable=False),
    Column("subject", String, nullable=False),
    Column("text_body", String, nullable=False),
    Column("html_body", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("given_up", Boolean, nullable=False, server_default=false()),
)

# The sender's query: unsent rows by when they are due.
Index("ix_mail_outbox_next_attempt_at", mail_outbox.c.next_attempt_at)

# Passkeys (docs/api.md "Passkeys"). A credential id is unique across accounts: WebAuthn L3
# section 7.1 (registering a new credential) refuses a credential id that is already known.
passkeys = Table(
    "passkeys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("credential_id", LargeBinary, nullable=False),
    Column("public_key", LargeBinary, nullable=False),  # COSE_Key, as the authenticator sent it
    Column("sign_count", BigInteger, nullable=False),  # an unsigned 32-bit counter
    Column("name", String(MAX_PASSKEY_NAME_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("credential_id", name=UNIQUE_CREDENTIAL_ID),
)

# Passkey ceremonies in progress, under the SHA-256 of their opaque value; a registration's names
# its account, a sign-in's none. Expired rows are pruned when new ceremonies begin.
passkey_ceremonies = Table(
    "passkey_ceremonies",
    metadata,
    Column("token_hash", String(TOKEN_HASH_LENGTH), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("challenge", LargeBinary, nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    CheckConstraint("purpose IN ('register', 'sign_in')", name="purpose"),
)

KID_LENGTH = 64

# An account's TOTP factor (docs/api.md "Second factor"): the secret sealed with AES-256-GCM
# under the key `secret_kid` names; pending while `confirmed_at` is null.
totp_factors = Table(
    "totp_factors",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("secret_kid", String(KID_LENGTH), nullable=False),
    Column("secret_ciphertext", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    # RFC 6238 section 5.2: the last accepted time step; it and earlier ones are refused.
    Column("last_used_step", BigInteger, nullable=True),
)

# Unspent recovery codes, as SHA-256 of the account id and the code (domain/second_factor.py
# says why a fast hash is enough); a code is deleted when it is used.
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("code_hash", String(TOKEN_HASH_LENGTH), primary_key=True),
)

# Sign-in challenges between a right password and a right code: the mfa_token's SHA-256 only.
mfa_challenges = Table(
    "mfa_challenges",
    metadata,
    Column("token_hash", String(TOKEN_HASH_LENGTH), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("credentials_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("used_at", DateTime(timezone=True), nullable=True),
)
