// Reads a JSON array of tokens on stdin and prints, as JSON, what the verifier says of each, in
// order, with one verifier (one JWKS cache) for them all. Configured like the Python example:
// HEXAUTH_JWKS_URL, HEXAUTH_ISSUER, HEXAUTH_AUDIENCE, JWKS_CACHE_SECONDS,
// JWKS_REFETCH_COOLDOWN_SECONDS.
import { text } from "node:stream/consumers";
import { InvalidAccessToken, accessTokenVerifier, usedASecondFactor } from "./verifier.mjs";

const env = process.env;
if (!env.HEXAUTH_JWKS_URL) {
  console.error("HEXAUTH_JWKS_URL is required (hexauth's /.well-known/jwks.json)");
  process.exit(2);
}
const verify = accessTokenVerifier({
  jwksUrl: env.HEXAUTH_JWKS_URL,
  issuer: env.HEXAUTH_ISSUER,
  audience: env.HEXAUTH_AUDIENCE,
  cacheSeconds: Number(env.JWKS_CACHE_SECONDS ?? 300),
  cooldownSeconds: Number(env.JWKS_REFETCH_COOLDOWN_SECONDS ?? 30),
});

const verdicts = [];
for (const token of JSON.parse(await text(process.stdin))) {
  try {
    const verified = await verify(token);
    verdicts.push({ valid: true, sub: verified.sub, mfa: usedASecondFactor(verified) });
  } catch (error) {
    if (!(error instanceof InvalidAccessToken)) throw error;
    verdicts.push({ valid: false, reason: error.message });
  }
}
console.log(JSON.stringify(verdicts));
