"""The WebAuthn relying party over py_webauthn (the `webauthn` package)."""

from adapters.webauthn.relying_party import PyWebAuthnRelyingParty

__all__ = ["PyWebAuthnRelyingParty"]
