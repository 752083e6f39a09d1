"""The second factor: TOTP, recovery codes, and sign-in in two steps (docs/api.md)."""
