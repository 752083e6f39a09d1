/** The shapes of API.md v1.2 that the client reads. */

export interface User {
  id: string;
  email: string;
  email_verified: boolean;
  created_at: string;
}

/** Register, login, refresh and change-password answer this (API.md "Token response"). */
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
  current: boolean;
}

export type AuthState =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "signed-in"; user: User };
