// Verifies hexauth's signed access tokens (docs/api.md "Token format", `jws` profile) through
// the JWKS alone: the same checks as examples/resource_server/verifier.py, with jose.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";

const REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "type", "sid", "cv", "amr"];
const MAX_TOKEN_LENGTH = 8192;

export class InvalidAccessToken extends Error {}

/**
 * @param {{jwksUrl: string, issuer?: string, audience?: string,
 *          cacheSeconds?: number, cooldownSeconds?: number}} options
 * @returns {(token: string) => Promise<{sub: string, sid: string, amr: string[]}>}
 *   resolves to the token's subject, session and methods; rejects with InvalidAccessToken
 *   for any flaw, or with jose's or fetch's error when the JWKS cannot be fetched.
 */
export function accessTokenVerifier({
  jwksUrl,
  issuer = "hexauth",
  audience = "hexauth-api",
  cacheSeconds = 300, // hexauth's `Cache-Control: public, max-age=300`
  cooldownSeconds = 30,
}) {
  // jose caches the set for cacheMaxAge and refetches for an unknown kid at most once per
  // cooldownDuration, so made-up kids cannot make it hammer hexauth.
  const keys = createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: cacheSeconds * 1000,
    cooldownDuration: cooldownSeconds * 1000,
  });

  return async function verify(token) {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidAccessToken("malformed token");
    }
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidAccessToken("malformed token");
    }
    // Without a kid, jose would try the only key of a one-key set: hexauth always names it.
    if (typeof header.kid !== "string" || header.kid === "") {
      throw new InvalidAccessToken("no kid");
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ["EdDSA"], // RFC 8725 section 3.1: never `none`, never HS256 key confusion
        typ: "at+jwt", // RFC 9068 section 2.1; jose accepts "application/at+jwt" too
        issuer,
        audience,
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: 30,
      }));
    } catch (error) {
      if (isJwksUnavailable(error)) throw error;
      throw new InvalidAccessToken(error.code ?? "invalid token");
    }
    // `typ` and the `type` claim agree in every token hexauth issues: a refresh token never passes.
    if (payload.type !== "access") throw new InvalidAccessToken("not an access token");
    const amr = payload.amr;
    if (!Array.isArray(amr) || !amr.every((method) => typeof method === "string")) {
      throw new InvalidAccessToken("malformed amr");
    }
    return { sub: payload.sub, sid: payload.sid, amr };
  };
}

/** RFC 8176 section 2: "mfa" means the sign-in used more than one factor. */
export function usedASecondFactor(token) {
  return token.amr.includes("mfa");
}

function isJwksUnavailable(error) {
  return (
    error.code === "ERR_JWKS_TIMEOUT" ||
    error.code === "ERR_JOSE_GENERIC" || // jose's error for a non-200 answer
    error instanceof TypeError // fetch's own error: nothing answered
  );
}
