import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAuthClient, ProblemError, type AuthClientOptions, type WebAuthn } from "../src/auth";
import { fakeApi, fakeChannels, problem } from "./fakes";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const PASSWORD = "correct horse battery staple";

function tab(api: ReturnType<typeof fakeApi>, options: AuthClientOptions = {}) {
  return createAuthClient({ fetch: api.fetch, locks: null, channel: null, ...options });
}

/** Runs `action` while fake time passes for the fake API's latency. */
async function settled<T>(action: Promise<T>): Promise<T> {
  const outcome = action.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.advanceTimersByTimeAsync(200);
  const result = await outcome;
  if ("error" in result) throw result.error;
  return result.value;
}

const body = (api: ReturnType<typeof fakeApi>, path: string) =>
  JSON.parse(String(api.calls.find((call) => call.path === path)!.init.body)) as unknown;

describe("signing in with a second factor", () => {
  it("answers the challenge of a 403 mfa-required, still signed out and holding no token", async () => {
    const api = fakeApi();
    api.secondFactor = true;
    const client = tab(api);

    const challenge = await settled(client.signIn("ada@example.com", PASSWORD));

    expect(challenge).toEqual({
      mfaToken: "mfa-token-1",
      methods: ["totp", "recovery_code"],
      expiresIn: 300,
    });
    expect(client.getState()).not.toMatchObject({ status: "signed-in" });
    await expect(client.fetch("/users/me")).rejects.toMatchObject({ slug: "invalid-token" });
    expect(api.cookie).toBeNull();
  });

  it("ends signed in with the code, like a password sign-in, and tells the other tabs", async () => {
    const api = fakeApi();
    api.secondFactor = true;
    const open = fakeChannels();
    const client = tab(api, { channel: open() });
    const other = tab(api, { channel: open() });
    const challenge = await settled(client.signIn("ada@example.com", PASSWORD));

    await settled(client.signInWithSecondFactor(challenge!.mfaToken, { code: "123456" }));

    expect(body(api, "/auth/login/mfa")).toEqual({ mfa_token: "mfa-token-1", code: "123456" });
    expect(api.calls.find((call) => call.path === "/auth/login/mfa")!.init.credentials).toBe("include");
    expect(client.getState()).toMatchObject({ status: "signed-in", user: { email: "ada@example.com" } });
    const me = await settled(client.fetch("/users/me"));
    expect(me.status).toBe(200);
    await vi.advanceTimersByTimeAsync(200);
    expect(other.getState()).toMatchObject({ status: "signed-in" });
  });

  it("takes a recovery code in place of the code", async () => {
    const api = fakeApi();
    api.secondFactor = true;
    const client = tab(api);

    await settled(client.signInWithSecondFactor("mfa-token-1", { recovery_code: "ABCDE-FGHJK" }));

    expect(body(api, "/auth/login/mfa")).toEqual({ mfa_token: "mfa-token-1", recovery_code: "ABCDE-FGHJK" });
    expect(client.getState()).toMatchObject({ status: "signed-in" });
  });

  it("stays signed out on a wrong code, without a refresh", async () => {
    const api = fakeApi();
    const client = tab(api);

    const refused = settled(client.signInWithSecondFactor("mfa-token-1", { code: "000000" }));

    await expect(refused).rejects.toMatchObject({ status: 401, slug: "invalid-credentials" });
    expect(client.getState()).not.toMatchObject({ status: "signed-in" });
    expect(api.count("/auth/refresh")).toBe(0);
  });

  it("throws any other 403 at sign-in as its problem", async () => {
    const api = fakeApi();
    api.answer = (call) => (call.path === "/auth/login" ? problem(403, "account-disabled") : null);
    const client = tab(api);

    const refused = settled(client.signIn("ada@example.com", PASSWORD));

    await expect(refused).rejects.toBeInstanceOf(ProblemError);
    await expect(refused).rejects.toMatchObject({ slug: "account-disabled" });
  });
});

function fakeWebAuthn(credential: unknown = { id: "credential-1", type: "public-key" }) {
  const seen = { create: [] as unknown[], get: [] as unknown[] };
  const webauthn: WebAuthn = {
    create: async (options) => (seen.create.push(options), credential),
    get: async (options) => (seen.get.push(options), credential),
  };
  return { webauthn, seen };
}

describe("signing in with a passkey", () => {
  it("signs the server's options and sends the credential with its ceremony", async () => {
    const api = fakeApi();
    const { webauthn, seen } = fakeWebAuthn();
    const client = tab(api, { webauthn });

    await settled(client.signInWithPasskey());

    expect(seen.get).toEqual([{ challenge: "Y2hhbGxlbmdl", rpId: "localhost" }]);
    expect(body(api, "/auth/passkeys/login")).toEqual({
      ceremony: "ceremony-1",
      credential: { id: "credential-1", type: "public-key" },
    });
    expect(client.getState()).toMatchObject({ status: "signed-in" });
  });

  it("sends nothing when the browser gets no passkey", async () => {
    const api = fakeApi();
    const cancelled = new ProblemError(0, "passkey-refused", "No passkey was used.");
    const client = tab(api, { webauthn: { create: () => Promise.reject(cancelled), get: () => Promise.reject(cancelled) } });

    await expect(settled(client.signInWithPasskey())).rejects.toBe(cancelled);

    expect(api.count("/auth/passkeys/login")).toBe(0);
    expect(client.getState()).not.toMatchObject({ status: "signed-in" });
  });
});

async function signedIn(api: ReturnType<typeof fakeApi>, options: AuthClientOptions = {}) {
  const client = tab(api, options);
  await settled(client.signIn("ada@example.com", PASSWORD));
  return client;
}

describe("asking the signed-in user for the second factor", () => {
  it("sends the code with the password change", async () => {
    const api = fakeApi();
    const client = await signedIn(api);

    await settled(client.changePassword(PASSWORD, "a brand new passphrase", { code: "123456" }));

    expect(body(api, "/auth/password")).toEqual({
      current_password: PASSWORD,
      new_password: "a brand new passphrase",
      code: "123456",
    });
  });

  it("deletes the account with the password and code, then is signed out in every tab", async () => {
    const api = fakeApi();
    const open = fakeChannels();
    const client = await signedIn(api, { channel: open() });
    const other = await signedIn(api, { channel: open() });

    await settled(client.deleteAccount(PASSWORD, { recovery_code: "ABCDE-FGHJK" }));

    const deletion = api.calls.find((call) => call.path === "/users/me" && call.method === "DELETE")!;
    expect(deletion.bearer).not.toBeNull();
    expect(body(api, "/users/me")).toEqual({ password: PASSWORD, recovery_code: "ABCDE-FGHJK" });
    expect(client.getState()).toEqual({ status: "signed-out" });
    await vi.advanceTimersByTimeAsync(200);
    expect(other.getState()).toEqual({ status: "signed-out" });
  });

  it("stays signed in when the deletion is refused", async () => {
    const api = fakeApi();
    const client = await signedIn(api);
    api.answer = (call) => (call.path === "/users/me" ? problem(403, "invalid-credentials") : null);

    await expect(settled(client.deleteAccount("wrong password"))).rejects.toMatchObject({
      slug: "invalid-credentials",
    });

    expect(client.getState()).toMatchObject({ status: "signed-in" });
  });
});
