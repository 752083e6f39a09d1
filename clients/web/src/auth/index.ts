export { createAuthClient } from "./client";
export type { AuthClient, AuthClientOptions } from "./client";
export { ProblemError, problemFrom } from "./problem";
export type { FieldError } from "./problem";
export type { AuthState, Session, TokenResponse, User } from "./types";
