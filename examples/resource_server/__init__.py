"""A separate service that accepts hexauth's signed access tokens through the JWKS alone."""
