"""Passkeys (WebAuthn): register one, list and remove them, sign in with one."""
