/** The shapes of docs/api.md v1.3 that the client reads. */

export interface User {
  id: string;
  email: string;
  email_verified: boolean;
  created_at: string;
}

/** Register, login (both steps), passkey login, refresh and change-password answer this
 * (docs/api.md "Token response"). */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  /** Seconds. */
  expires_in: number;
  /** The access token's expiry, epoch milliseconds. */
  token_expiration: number;
  user: User;
}

export interface Session {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string;
  /** How it signed in (RFC 8176): ["pwd"], ["pwd", "otp", "mfa"] or ["hwk", "user", "mfa"]. */
  amr: string[];
  current: boolean;
}

/** A right password on an account with TOTP: the second step, `signInWithSecondFactor`. */
export interface MfaChallenge {
  mfaToken: string;
  /** "totp", "recovery_code". */
  methods: string[];
  /** Seconds the challenge lives. */
  expiresIn: number;
}

/** Where a second factor is asked for: a TOTP code or, in its place, a recovery code. */
export type SecondFactor = { code: string } | { recovery_code: string };

/** GET /auth/mfa. */
export interface MfaStatus {
  totp: boolean;
  recovery_codes_left: number;
  passkeys: number;
}

/** POST /auth/mfa/totp/setup: shown once, pending until a code confirms it. */
export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
}

/** The options of a passkey ceremony ("create": registration, "get": sign-in) and the opaque,
 * single-use `ceremony` to send back with the credential. */
export interface PasskeyCeremony<Kind extends "create" | "get"> {
  ceremony: string;
  publicKey: Kind extends "create"
    ? PublicKeyCredentialCreationOptionsJSON
    : PublicKeyCredentialRequestOptionsJSON;
}

export interface Passkey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export type AuthState =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "signed-in"; user: User };
