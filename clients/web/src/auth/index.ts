export { createAuthClient } from "./client";
export type { AuthClient, AuthClientOptions } from "./client";
export { ProblemError, problemFrom } from "./problem";
export type { FieldError } from "./problem";
export {
  addPasskey,
  confirmTotp,
  getMfaStatus,
  listPasskeys,
  newRecoveryCodes,
  removePasskey,
  removeTotp,
  secondFactorFrom,
  setUpTotp,
} from "./signInMethods";
export { browserWebAuthn, passkeysSupported } from "./webauthn";
export type { WebAuthn } from "./webauthn";
export type {
  AuthState,
  MfaChallenge,
  MfaStatus,
  Passkey,
  PasskeyCeremony,
  SecondFactor,
  Session,
  TokenResponse,
  TotpSetup,
  User,
} from "./types";
