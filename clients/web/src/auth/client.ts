/**
 * The auth client's rules, all of them in this file:
 *
 * - the access token lives in this closure only: never in storage, a readable cookie or a URL;
 *   the refresh token is the server's HttpOnly cookie, which this code never sees;
 * - `start()` tries one silent refresh, so a reload keeps the user signed in;
 * - the token is refreshed ahead of its expiry, and one refresh at a time runs per tab
 *   (concurrent callers share it);
 * - every request that presents or replaces the refresh cookie holds one Web Lock shared by all
 *   tabs, so two tabs never present the same refresh token (the server's grace window is for
 *   lost responses, not for us);
 * - a sign-in ends in one signed-in state, however it went: a password, a password and a second
 *   factor (TOTP or recovery code), or a passkey;
 * - sign-in and sign-out are broadcast (nothing secret: just the event), every tab follows;
 * - `fetch` adds the bearer; on a 401 it refreshes once and retries once;
 * - a refused refresh (401, 403) means signed out;
 * - the mailed links' tokens (reset, verification) are sent once, in a JSON body, and kept nowhere.
 */
import { mfaChallengeFrom, ProblemError, problemFrom } from "./problem";
import type { AuthState, MfaChallenge, PasskeyCeremony, SecondFactor, TokenResponse } from "./types";
import { browserWebAuthn, type WebAuthn } from "./webauthn";

export interface AuthClientOptions {
  /** Where the API is; "" (the default) is this page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** `navigator.locks` by default; null runs without cross-tab serialization. */
  locks?: Pick<LockManager, "request"> | null;
  /** A BroadcastChannel named "hexauth" by default; null keeps this tab to itself. */
  channel?: Pick<BroadcastChannel, "postMessage" | "addEventListener" | "close"> | null;
  /** The browser's passkey ceremonies by default. */
  webauthn?: WebAuthn;
}

export type AuthClient = ReturnType<typeof createAuthClient>;

type Broadcast = { type: "signed-in" | "signed-out" };

const CSRF_HEADER = { "X-Requested-With": "hexauth-web" }; // docs/api.md "CSRF header"
const LOCK_NAME = "hexauth-refresh-cookie";
const REFRESH_AHEAD_MS = 30_000; // or a quarter of the token's lifetime, when that is shorter
// A refresh that failed is retried after 1 s, then 2, 4 ... up to 30 s. The first retry lands
// inside the server's refresh grace (AUTH_REFRESH_REUSE_GRACE, 5 s by default), so a refresh
// whose answer was lost is answered with the token the server already rotated to, not as reuse.
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;

export function createAuthClient(options: AuthClientOptions = {}) {
  const baseUrl = options.baseUrl ?? "";
  const webauthn = options.webauthn ?? browserWebAuthn;
  const http = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const locks = options.locks !== undefined ? options.locks : (globalThis.navigator?.locks ?? null);
  const channel =
    options.channel !== undefined
      ? options.channel
      : typeof BroadcastChannel === "function"
        ? new BroadcastChannel("hexauth")
        : null;

  let accessToken: string | null = null;
  let expiresAt = 0; // this machine's clock
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<boolean> | null = null;
  let retryDelay = FIRST_RETRY_MS;
  let state: AuthState = { status: "loading" };
  const listeners = new Set<(state: AuthState) => void>();

  const holdingCookieLock = <T>(work: () => Promise<T>): Promise<T> =>
    locks ? locks.request(LOCK_NAME, work) : work();

  function setState(next: AuthState): void {
    if (JSON.stringify(next) === JSON.stringify(state)) return;
    state = next;
    for (const listener of listeners) listener(state);
  }

  function accept(tokens: TokenResponse): void {
    accessToken = tokens.access_token;
    const lifetime = tokens.expires_in * 1000;
    let remaining = tokens.token_expiration - Date.now();
    if (!(remaining > 0 && remaining <= lifetime)) remaining = lifetime; // clocks disagree
    expiresAt = Date.now() + remaining;
    schedule(remaining - Math.min(REFRESH_AHEAD_MS, lifetime / 4));
    setState({ status: "signed-in", user: tokens.user });
  }

  function forget(): void {
    accessToken = null;
    clearTimeout(timer);
    setState({ status: "signed-out" });
  }

  function schedule(delay: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      refresh().then(
        () => (retryDelay = FIRST_RETRY_MS),
        () => {
          schedule(retryDelay); // an outage or a lost answer: still signed in
          retryDelay = Math.min(retryDelay * 2, LONGEST_RETRY_MS);
        },
      );
    }, Math.max(0, delay));
  }

  /** One refresh per tab at a time; true when a fresh access token is held after it. */
  function refresh(): Promise<boolean> {
    refreshing ??= holdingCookieLock(async () => {
      const response = await http(`${baseUrl}/auth/refresh`, {
        method: "POST",
        credentials: "include",
        headers: CSRF_HEADER,
      });
      if (response.ok) accept((await response.json()) as TokenResponse);
      else if (response.status === 401 || response.status === 403) forget();
      else throw await problemFrom(response);
      return response.ok;
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /** `fetch` with the bearer; a 401 refreshes once and retries once. Bodies must be re-sendable. */
  async function authorizedFetch(
    path: string,
    init: RequestInit = {},
    { replacesCookie = false } = {},
  ): Promise<Response> {
    if (refreshing) await refreshing.catch(() => undefined);
    else if (accessToken !== null && Date.now() >= expiresAt) await refresh();
    const send = (token: string) => {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${token}`);
      const request = () => http(`${baseUrl}${path}`, { ...init, headers });
      return replacesCookie ? holdingCookieLock(request) : request();
    };
    const sent = accessToken;
    if (sent === null) throw new ProblemError(401, "invalid-token", "You are signed out.");
    const response = await send(sent);
    if (response.status !== 401) return response;
    if (accessToken === sent && !(await refresh())) return response; // refused: signed out
    return accessToken === null ? response : send(accessToken);
  }

  async function issueTokens(response: Response): Promise<void> {
    if (!response.ok) throw await problemFrom(response);
    accept((await response.json()) as TokenResponse);
    channel?.postMessage({ type: "signed-in" } satisfies Broadcast);
  }

  function postJson(path: string, body: unknown): Promise<Response> {
    const init = { ...json("POST", body), credentials: "include" as const };
    return holdingCookieLock(() => http(`${baseUrl}${path}`, init));
  }

  /** A JSON POST that needs no cookie (forgot, reset, verify); anything but `expected` is a problem. */
  async function postExpecting(expected: number, path: string, body: unknown): Promise<Response> {
    const response = await http(`${baseUrl}${path}`, json("POST", body));
    if (response.status !== expected) throw await problemFrom(response);
    return response;
  }

  /** A bearer request whose answer sets or clears the refresh cookie. */
  function sendWithBearer(method: string, path: string, body: unknown): Promise<Response> {
    const init = { ...json(method, body), credentials: "include" as const };
    return authorizedFetch(path, init, { replacesCookie: true });
  }

  function signedOutInEveryTab(): void {
    forget();
    channel?.postMessage({ type: "signed-out" } satisfies Broadcast);
  }

  channel?.addEventListener("message", (event: MessageEvent<Broadcast>) => {
    if (event.data.type === "signed-out") forget();
    else if (event.data.type === "signed-in") refresh().catch(() => undefined);
  });

  return {
    getState: (): AuthState => state,
    subscribe(listener: (state: AuthState) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The silent refresh on start: signed in again after a reload, or signed out. */
    async start(): Promise<void> {
      await refresh().catch(forget);
    },
    fetch: authorizedFetch,
    async signUp(email: string, password: string): Promise<void> {
      await issueTokens(await postJson("/auth/register", { email, password }));
    },
    /** Signed in; or, for an account with TOTP, the challenge `signInWithSecondFactor` answers. */
    async signIn(email: string, password: string): Promise<MfaChallenge | null> {
      const response = await postJson("/auth/login", { email, password });
      if (response.status === 403) {
        const problem = await problemFrom(response);
        const challenge = mfaChallengeFrom(problem);
        if (challenge === null) throw problem;
        return challenge;
      }
      await issueTokens(response);
      return null;
    },
    /** The second step of a password sign-in: a TOTP code or a recovery code. */
    async signInWithSecondFactor(mfaToken: string, factor: SecondFactor): Promise<void> {
      await issueTokens(await postJson("/auth/login/mfa", { mfa_token: mfaToken, ...factor }));
    },
    /** A sign-in with a passkey this device (or the user's phone) holds; never asks for TOTP. */
    async signInWithPasskey(): Promise<void> {
      const options = await postExpecting(200, "/auth/passkeys/login/options", {});
      const { ceremony, publicKey } = (await options.json()) as PasskeyCeremony<"get">;
      const credential = await webauthn.get(publicKey);
      await issueTokens(await postJson("/auth/passkeys/login", { ceremony, credential }));
    },
    /** A fresh session for this device; every other session, on any device, ends. `factor`: the
     * account's second factor, when it has TOTP (the same for `deleteAccount`). */
    async changePassword(current: string, next: string, factor?: SecondFactor): Promise<void> {
      const body = { current_password: current, new_password: next, ...factor };
      await issueTokens(await sendWithBearer("POST", "/auth/password", body));
    },
    /** The account and everything of it is gone; every tab signs out. */
    async deleteAccount(password: string, factor?: SecondFactor): Promise<void> {
      const response = await sendWithBearer("DELETE", "/users/me", { password, ...factor });
      if (response.status !== 204) throw await problemFrom(response);
      signedOutInEveryTab();
    },
    /** Mails a reset link when an account has this email; the answer is alike either way. */
    async forgotPassword(email: string): Promise<void> {
      await postExpecting(202, "/auth/password/forgot", { email });
    },
    /** With a reset link's token: the password is set and every session of the account ends. */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      await postExpecting(204, "/auth/password/reset", { token, new_password: newPassword });
    },
    /** With a verification link's token: the account's email is verified. */
    async verifyEmail(token: string): Promise<void> {
      await postExpecting(204, "/auth/email/verify", { token });
    },
    /** Mails a fresh verification link to the signed-in account (none when already verified). */
    async sendEmailVerification(): Promise<void> {
      const response = await authorizedFetch("/auth/email/verify/send", { method: "POST" });
      if (response.status !== 202) throw await problemFrom(response);
    },
    async signOut(): Promise<void> {
      const logout = { method: "POST", credentials: "include" as const, headers: CSRF_HEADER };
      try {
        await holdingCookieLock(() => http(`${baseUrl}/auth/logout`, logout));
      } finally {
        signedOutInEveryTab();
      }
    },
    async signOutEverywhere(): Promise<void> {
      const init = { method: "POST", credentials: "include" as const };
      const response = await authorizedFetch("/auth/logout-all", init, { replacesCookie: true });
      if (!response.ok && response.status !== 401) throw await problemFrom(response);
      signedOutInEveryTab();
    },
    /** Stop the timer and the channel (tests, hot reload). */
    dispose(): void {
      clearTimeout(timer);
      channel?.close();
    },
  };
}

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}
