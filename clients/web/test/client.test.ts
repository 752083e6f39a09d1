import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAuthClient, ProblemError, type AuthClientOptions } from "../src/auth";
import { fakeApi, fakeChannels, fakeLocks, problem } from "./fakes";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function tab(api: ReturnType<typeof fakeApi>, options: AuthClientOptions = {}) {
  return createAuthClient({ fetch: api.fetch, locks: null, channel: null, ...options });
}

/** Let every pending timer and promise up to `ms` from now run. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

async function signedIn(api: ReturnType<typeof fakeApi>, options: AuthClientOptions = {}) {
  const client = tab(api, options);
  const signingIn = client.signIn("ada@example.com", "correct horse battery staple");
  await elapse(100);
  await signingIn;
  return client;
}

describe("start", () => {
  it("signs in again from the refresh cookie, sending it with the CSRF header", async () => {
    const api = fakeApi();
    api.cookie = "refresh-from-last-visit";
    const client = tab(api);

    const starting = client.start();
    await elapse(100);
    await starting;

    expect(client.getState()).toMatchObject({ status: "signed-in", user: { email: "ada@example.com" } });
    const refresh = api.calls.find((call) => call.path === "/auth/refresh")!;
    expect(refresh.init.credentials).toBe("include");
    expect(new Headers(refresh.init.headers).get("X-Requested-With")).toBeTruthy();
  });

  it("ends signed out, without throwing, when there is no session", async () => {
    const client = tab(fakeApi());

    const starting = client.start();
    await elapse(100);
    await starting;

    expect(client.getState()).toEqual({ status: "signed-out" });
  });
});

describe("refreshing", () => {
  it("runs one refresh for any number of callers that need one", async () => {
    const api = await fakeApi();
    const client = await signedIn(api);
    await elapse(61_000 - 100); // let the scheduled refreshes pass, then expire the token
    const before = api.count("/auth/refresh");
    api.revokeAccessTokens();

    const requests = [client.fetch("/users/me"), client.fetch("/users/me"), client.fetch("/users/me")];
    await elapse(200);
    const responses = await Promise.all(requests);

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(api.count("/auth/refresh") - before).toBe(1);
  });

  it("refreshes ahead of the token's expiry, not after it", async () => {
    const api = fakeApi({ accessTtlMs: 60_000 });
    await signedIn(api); // refreshes 15 s ahead: a quarter of a 60 s lifetime

    await elapse(44_000);
    expect(api.count("/auth/refresh")).toBe(0);
    await elapse(1_000);
    expect(api.count("/auth/refresh")).toBe(1);
  });

  it("keeps the token out of every request that is not the caller's", async () => {
    const api = fakeApi();
    const client = await signedIn(api);

    const me = client.fetch("/users/me");
    await elapse(100);
    await me;

    const bearers = api.calls.map((call) => [call.path, call.bearer]);
    expect(bearers).toEqual([
      ["/auth/login", null],
      ["/users/me", "access-1"],
    ]);
  });
});

describe("the authorized fetch", () => {
  it("refreshes once and retries once on a 401", async () => {
    const api = fakeApi();
    const client = await signedIn(api);
    api.revokeAccessTokens(); // as after a server restart with new keys, say

    const me = client.fetch("/users/me");
    await elapse(200);
    const response = await me;

    expect(response.status).toBe(200);
    expect(api.count("/users/me")).toBe(2);
    expect(api.count("/auth/refresh")).toBe(1);
    expect(api.calls.at(-1)!.bearer).toBe("access-2");
  });

  it("gives up after one retry, answering the second 401", async () => {
    const api = fakeApi();
    const client = await signedIn(api);
    api.answer = (call) => (call.path === "/users/me" ? problem(401, "invalid-token") : null);

    const me = client.fetch("/users/me");
    await elapse(200);
    const response = await me;

    expect(response.status).toBe(401);
    expect(api.count("/users/me")).toBe(2);
    expect(api.count("/auth/refresh")).toBe(1);
  });

  it("signs out cleanly when the refresh is refused", async () => {
    const api = fakeApi();
    const client = await signedIn(api);
    api.revokeAccessTokens();
    api.refusesRefresh = true; // the session was revoked from another device

    const me = client.fetch("/users/me");
    await elapse(200);
    const response = await me;

    expect(response.status).toBe(401);
    expect(client.getState()).toEqual({ status: "signed-out" });
    await expect(client.fetch("/users/me")).rejects.toMatchObject({ slug: "invalid-token" });
    expect(api.count("/users/me")).toBe(1);
  });

  it("signs out when a scheduled refresh is refused", async () => {
    const api = fakeApi({ accessTtlMs: 8_000 });
    const client = await signedIn(api);
    api.refusesRefresh = true;

    await elapse(8_000);

    expect(client.getState()).toEqual({ status: "signed-out" });
  });

  it("stays signed in through an outage and refreshes once the API answers again", async () => {
    const api = fakeApi({ accessTtlMs: 8_000 });
    const client = await signedIn(api);
    api.answer = (call) => (call.path === "/auth/refresh" ? problem(503, "service-unavailable", {}, { "Retry-After": "5" }) : null);

    await elapse(7_000);
    expect(client.getState().status).toBe("signed-in");
    api.answer = null;
    await elapse(6_000);

    expect(client.getState().status).toBe("signed-in");
    expect(api.presentedRefreshTokens).toEqual(["refresh-1"]);
  });
  it("retries a refresh whose answer was lost within a second, inside the server's grace window", async () => {
    const api = fakeApi({ accessTtlMs: 8_000 });
    const client = await signedIn(api);
    let lost = false;
    api.answer = (call) => {
      if (call.path !== "/auth/refresh" || lost) return null;
      lost = true;
      throw new TypeError("Failed to fetch"); // the answer never reached the page
    };

    await elapse(6_000); // the scheduled refresh, 2 s ahead of expiry, fails
    expect(api.count("/auth/refresh")).toBe(1);
    await elapse(1_500);

    expect(api.count("/auth/refresh")).toBe(2);
    expect(client.getState().status).toBe("signed-in");
  });
});

describe("problems", () => {
  it("become typed errors with slug, detail, field errors and Retry-After", async () => {
    const api = fakeApi();
    const client = tab(api);
    api.answer = () =>
      problem(429, "too-many-requests", { errors: [{ field: "email", message: "slow down" }] }, { "Retry-After": "42" });

    const signingIn = client.signIn("ada@example.com", "wrong").catch((error: unknown) => error);
    await elapse(100);
    const error = await signingIn;

    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({
      status: 429,
      slug: "too-many-requests",
      detail: "too-many-requests detail",
      fieldErrors: [{ field: "email", message: "slow down" }],
      retryAfter: 42,
    });
    expect(client.getState().status).toBe("loading");
  });

  it("send JSON bodies with their content type", async () => {
    const api = fakeApi();
    await signedIn(api);

    const login = api.calls[0]!;
    expect(new Headers(login.init.headers).get("Content-Type")).toBe("application/json");
    expect(JSON.parse(String(login.init.body))).toEqual({ email: "ada@example.com", password: "correct horse battery staple" });
  });
});

describe("many tabs", () => {
  it("never present the same refresh token twice when their refreshes are serialized", async () => {
    const api = fakeApi({ accessTtlMs: 4_000 });
    const locks = fakeLocks();
    const open = fakeChannels();
    const first = await signedIn(api, { locks, channel: open() });
    const second = tab(api, { locks, channel: open() });
    void second.start();

    for (let step = 0; step < 200; step += 1) {
      void first.fetch("/users/me");
      void second.fetch("/users/me");
      await elapse(100);
    }

    const presented = api.presentedRefreshTokens;
    expect(presented.length).toBeGreaterThan(10);
    expect(new Set(presented).size).toBe(presented.length);
    expect(locks.requests).toBeGreaterThanOrEqual(presented.length);
    expect([first.getState().status, second.getState().status]).toEqual(["signed-in", "signed-in"]);
  });

  it("serialize two refreshes that start at the same moment", async () => {
    const locks = fakeLocks();
    const open = fakeChannels();

    const presented = await bothTabsRefreshAtOnce({ locks, channel: open() }, { locks, channel: open() });

    expect(presented).toEqual(["refresh-1", "refresh-2", "refresh-3"]);
  });

  it("would present one token twice without the lock (the race the lock prevents)", async () => {
    const presented = await bothTabsRefreshAtOnce({}, {});

    expect(new Set(presented).size).toBeLessThan(presented.length);
  });

  it("follow a sign-out and a sign-in in another tab", async () => {
    const api = fakeApi();
    const open = fakeChannels();
    const locks = fakeLocks();
    const first = await signedIn(api, { locks, channel: open() });
    const second = tab(api, { locks, channel: open() });
    void second.start();
    await elapse(100);
    expect(second.getState().status).toBe("signed-in");

    void first.signOut();
    await elapse(100);
    expect(second.getState()).toEqual({ status: "signed-out" });

    void first.signIn("ada@example.com", "correct horse battery staple");
    await elapse(200);
    expect(second.getState().status).toBe("signed-in");
  });
});

/** Two signed-in tabs whose access tokens both stop working: each refreshes at once. */
async function bothTabsRefreshAtOnce(firstOptions: AuthClientOptions, secondOptions: AuthClientOptions) {
  const api = fakeApi();
  const first = await signedIn(api, firstOptions);
  const second = tab(api, secondOptions);
  void second.start();
  await elapse(100);
  api.revokeAccessTokens();

  const requests = [first.fetch("/users/me"), second.fetch("/users/me")];
  await elapse(200);
  await Promise.all(requests);
  first.dispose();
  second.dispose();
  return api.presentedRefreshTokens;
}

describe("the mailed links", () => {
  /** Run `action` with the fake API's latency let through; its outcome, error or not. */
  async function settle(action: Promise<void>): Promise<unknown> {
    const outcome = action.then(
      () => "done",
      (error: unknown) => error,
    );
    await elapse(100);
    return outcome;
  }

  it("ask for a reset mail with the email as JSON, without a bearer or a cookie", async () => {
    const api = fakeApi();
    const client = await signedIn(api);

    expect(await settle(client.forgotPassword("ada@example.com"))).toBe("done");

    const forgot = api.calls.at(-1)!;
    expect(forgot).toMatchObject({ path: "/auth/password/forgot", method: "POST", bearer: null });
    expect(forgot.init.credentials).toBeUndefined();
    expect(new Headers(forgot.init.headers).get("Content-Type")).toBe("application/json");
    expect(JSON.parse(String(forgot.init.body))).toEqual({ email: "ada@example.com" });
  });

  it("show a throttled forgot as a problem with its wait", async () => {
    const api = fakeApi();
    const client = tab(api);
    api.answer = () => problem(429, "too-many-requests", {}, { "Retry-After": "30" });

    const error = await settle(client.forgotPassword("ada@example.com"));

    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ slug: "too-many-requests", retryAfter: 30 });
  });

  it("reset the password with the link's token and the new password", async () => {
    const api = fakeApi();
    api.linkTokens.add("reset-token");
    const client = tab(api);

    expect(await settle(client.resetPassword("reset-token", "a brand new passphrase"))).toBe("done");

    const reset = api.calls.at(-1)!;
    expect(reset).toMatchObject({ path: "/auth/password/reset", method: "POST", bearer: null });
    expect(new Headers(reset.init.headers).get("Content-Type")).toBe("application/json");
    expect(JSON.parse(String(reset.init.body))).toEqual({ token: "reset-token", new_password: "a brand new passphrase" });
  });

  it("refuse a reset link that was used already as invalid-link", async () => {
    const api = fakeApi();
    api.linkTokens.add("reset-token");
    const client = tab(api);
    await settle(client.resetPassword("reset-token", "a brand new passphrase"));

    const error = await settle(client.resetPassword("reset-token", "another new passphrase"));

    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ status: 400, slug: "invalid-link" });
  });

  it("show a refused new password with its field error", async () => {
    const api = fakeApi();
    const client = tab(api);
    api.answer = () => problem(422, "validation-error", { errors: [{ field: "new_password", message: "too short" }] });

    const error = await settle(client.resetPassword("reset-token", "short"));

    expect(error).toMatchObject({ slug: "validation-error", fieldErrors: [{ field: "new_password", message: "too short" }] });
  });

  it("verify the email with the link's token, once", async () => {
    const api = fakeApi();
    api.linkTokens.add("verify-token");
    const client = tab(api);

    expect(await settle(client.verifyEmail("verify-token"))).toBe("done");
    const again = await settle(client.verifyEmail("verify-token"));

    const verify = api.calls[0]!;
    expect(verify).toMatchObject({ path: "/auth/email/verify", method: "POST", bearer: null });
    expect(JSON.parse(String(verify.init.body))).toEqual({ token: "verify-token" });
    expect(again).toMatchObject({ status: 400, slug: "invalid-link" });
  });

  it("ask for a fresh verification mail with the bearer", async () => {
    const api = fakeApi();
    const client = await signedIn(api);

    expect(await settle(client.sendEmailVerification())).toBe("done");

    expect(api.calls.at(-1)).toMatchObject({ path: "/auth/email/verify/send", method: "POST", bearer: "access-1" });
  });

  it("refuse to ask for a verification mail when signed out, without a request", async () => {
    const api = fakeApi();
    const client = tab(api);

    const error = await settle(client.sendEmailVerification());

    expect(error).toMatchObject({ status: 401, slug: "invalid-token" });
    expect(api.calls).toEqual([]);
  });

  it("show a throttled verification mail as a problem", async () => {
    const api = fakeApi();
    const client = await signedIn(api);
    api.answer = (call) =>
      call.path === "/auth/email/verify/send" ? problem(429, "too-many-requests", {}, { "Retry-After": "60" }) : null;

    const error = await settle(client.sendEmailVerification());

    expect(error).toMatchObject({ slug: "too-many-requests", retryAfter: 60 });
  });
});
