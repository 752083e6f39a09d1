/**
 * Fakes of what the client meets in a browser: the API with its rotating refresh cookie (one
 * cookie jar shared by every tab, as in a browser), `navigator.locks` and BroadcastChannel.
 */
import type { AuthClientOptions } from "../src/auth";

const LATENCY_MS = 20;

function problem(status: number, slug: string, extra: object = {}, headers: object = {}) {
  return new Response(JSON.stringify({ type: `urn:hexauth:problem:${slug}`, status, detail: `${slug} detail`, ...extra }), {
    status,
    headers: { "Content-Type": "application/problem+json", ...headers },
  });
}

export interface Call {
  path: string;
  method: string;
  bearer: string | null;
  init: RequestInit;
}

/** The API: rotates the refresh token on each refresh and records every token presented. With
 * `secondFactor`, a login asks for it (the code "123456" or the recovery code "ABCDE-FGHJK"). */
export function fakeApi({ accessTtlMs = 60_000 } = {}) {
  let generation = 0;
  const api = {
    cookie: null as string | null,
    validAccess: new Set<string>(),
    presentedRefreshTokens: [] as string[],
    refusesRefresh: false,
    secondFactor: false,
    /** The mailed links' tokens the API still takes. */
    linkTokens: new Set<string>(),
    calls: [] as Call[],
    answer: null as ((call: Call) => Response | null) | null,
    count: (path: string) => api.calls.filter((call) => call.path === path).length,
    revokeAccessTokens: () => api.validAccess.clear(),
    fetch: async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
      const path = String(input);
      const bearer = new Headers(init.headers).get("Authorization")?.replace(/^Bearer /, "") ?? null;
      const call = { path, method: init.method ?? "GET", bearer, init };
      api.calls.push(call);
      const cookieSent = api.cookie; // read when the request leaves, as a browser does
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      const answered = api.answer?.(call);
      if (answered) return answered;
      if (path === "/auth/refresh") {
        if (cookieSent === null) return problem(401, "invalid-token");
        api.presentedRefreshTokens.push(cookieSent);
        if (api.refusesRefresh) {
          api.cookie = null;
          return problem(401, "invalid-token");
        }
        return issue();
      }
      if (path === "/auth/login" && api.secondFactor) {
        return problem(403, "mfa-required", { mfa_token: "mfa-token-1", methods: ["totp", "recovery_code"], expires_in: 300 });
      }
      if (path === "/auth/login" || path === "/auth/register") return issue(path === "/auth/register" ? 201 : 200);
      if (path === "/auth/login/mfa") {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        if (body.mfa_token !== "mfa-token-1") return problem(401, "invalid-token");
        if (body.code === "123456" || body.recovery_code === "ABCDE-FGHJK") return issue();
        return problem(401, "invalid-credentials");
      }
      if (path === "/auth/passkeys/login/options") {
        return Response.json({ ceremony: "ceremony-1", publicKey: { challenge: "Y2hhbGxlbmdl", rpId: "localhost" } });
      }
      if (path === "/auth/passkeys/login") return issue();
      if (path === "/auth/logout") {
        api.cookie = null;
        return new Response(null, { status: 204 });
      }
      if (path === "/auth/password/forgot") return Response.json({}, { status: 202 });
      if (path === "/auth/password/reset" || path === "/auth/email/verify") {
        const { token } = JSON.parse(String(init.body)) as { token: string };
        if (!api.linkTokens.delete(token)) return problem(400, "invalid-link"); // single use
        return new Response(null, { status: 204 });
      }
      if (bearer === null || !api.validAccess.has(bearer)) return problem(401, "invalid-token");
      if (path === "/auth/email/verify/send") return Response.json({}, { status: 202 });
      if (path === "/auth/password") return issue();
      if (path === "/auth/logout-all" || (path === "/users/me" && call.method === "DELETE")) {
        api.cookie = null;
        return new Response(null, { status: 204 });
      }
      return Response.json({ id: "u1", email: "ada@example.com" });
    },
  };
  function issue(status = 200): Response {
    generation += 1;
    api.cookie = `refresh-${generation}`;
    const access = `access-${generation}`;
    api.validAccess.add(access);
    setTimeout(() => api.validAccess.delete(access), accessTtlMs);
    const user = { id: "u1", email: "ada@example.com", email_verified: false, created_at: "2026-11-29T00:00:00Z" };
    return Response.json(
      { access_token: access, token_type: "Bearer", expires_in: accessTtlMs / 1000, token_expiration: Date.now() + accessTtlMs, user },
      { status },
    );
  }
  return api;
}

export { problem };

/** `navigator.locks` for one exclusive lock name: callbacks run one after another. */
export function fakeLocks() {
  let tail: Promise<unknown> = Promise.resolve();
  const locks = {
    requests: 0,
    request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
      locks.requests += 1;
      const run = tail.then(() => callback());
      tail = run.catch(() => undefined);
      return run;
    },
  };
  return locks as typeof locks & NonNullable<AuthClientOptions["locks"]>;
}

/** BroadcastChannels of one name: a message reaches every other member, asynchronously. */
export function fakeChannels() {
  const members = new Set<{ deliver: (data: unknown) => void }>();
  return function open(): NonNullable<AuthClientOptions["channel"]> {
    const listeners: ((event: MessageEvent) => void)[] = [];
    const member = {
      deliver: (data: unknown) => listeners.forEach((listener) => listener({ data } as MessageEvent)),
    };
    members.add(member);
    const channel = {
      postMessage(data: unknown) {
        for (const other of members) if (other !== member) queueMicrotask(() => other.deliver(data));
      },
      addEventListener(_type: string, listener: (event: MessageEvent) => void) {
        listeners.push(listener);
      },
      close() {
        members.delete(member);
      },
    };
    return channel as unknown as NonNullable<AuthClientOptions["channel"]>;
  };
}
