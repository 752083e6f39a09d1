"""The second factor's adapters: RFC 6238 (pyotp), recovery codes, and sealed TOTP secrets."""
