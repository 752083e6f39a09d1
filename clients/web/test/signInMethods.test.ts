import { describe, expect, it } from "vitest";
import {
  addPasskey,
  confirmTotp,
  getMfaStatus,
  newRecoveryCodes,
  ProblemError,
  removePasskey,
  removeTotp,
  secondFactorFrom,
  setUpTotp,
  type WebAuthn,
} from "../src/auth";
import { problem } from "./fakes";

/** A signed-in client's `fetch`, answering from a table of "METHOD path" → response. */
function signedInClient(answers: Record<string, () => Response>) {
  const calls: { route: string; body: unknown }[] = [];
  const client = {
    fetch: async (path: string, init: RequestInit = {}) => {
      const route = `${init.method ?? "GET"} ${path}`;
      calls.push({ route, body: init.body === undefined ? undefined : JSON.parse(String(init.body)) });
      return answers[route]?.() ?? problem(404, "not-found");
    },
  };
  return { client, calls };
}

const noContent = () => new Response(null, { status: 204 });
const CODES = Array.from({ length: 10 }, (_, i) => `CODE${i}-ABCDE`);

describe("one input for either second factor", () => {
  it("reads six digits as a TOTP code, surrounding spaces ignored", () => {
    expect(secondFactorFrom(" 123456 ")).toEqual({ code: "123456" });
  });

  it("is nothing when blank, so the API sees the factor missing", () => {
    expect(secondFactorFrom("  ")).toBeUndefined();
  });

  it("reads anything else as a recovery code", () => {
    expect(secondFactorFrom("abcde-fghjk")).toEqual({ recovery_code: "abcde-fghjk" });
    expect(secondFactorFrom("1234567")).toEqual({ recovery_code: "1234567" });
  });
});

describe("TOTP", () => {
  it("is set up with the password and confirmed with a code, answering the recovery codes", async () => {
    const { client, calls } = signedInClient({
      "POST /auth/mfa/totp/setup": () => Response.json({ secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x" }),
      "POST /auth/mfa/totp/confirm": () => Response.json({ recovery_codes: CODES }),
    });

    const setup = await setUpTotp(client, "my password");
    const codes = await confirmTotp(client, "123456");

    expect(setup.secret).toBe("JBSWY3DPEHPK3PXP");
    expect(codes).toEqual(CODES);
    expect(calls.map((call) => call.body)).toEqual([{ password: "my password" }, { code: "123456" }]);
  });

  it("is removed with the password and a factor, and new codes need both too", async () => {
    const { client, calls } = signedInClient({
      "DELETE /auth/mfa/totp": noContent,
      "POST /auth/mfa/recovery-codes": () => Response.json({ recovery_codes: CODES }),
    });

    expect(await newRecoveryCodes(client, "pw", { recovery_code: "ABCDE-FGHJK" })).toEqual(CODES);
    expect(await removeTotp(client, "pw", { code: "123456" })).toBeUndefined();

    expect(calls.map((call) => call.body)).toEqual([
      { password: "pw", recovery_code: "ABCDE-FGHJK" },
      { password: "pw", code: "123456" },
    ]);
  });

  it("throws a refusal as its problem", async () => {
    const { client } = signedInClient({ "GET /auth/mfa": () => problem(401, "invalid-token") });

    const refused = getMfaStatus(client);

    await expect(refused).rejects.toBeInstanceOf(ProblemError);
    await expect(refused).rejects.toMatchObject({ status: 401, slug: "invalid-token" });
  });
});

describe("passkeys", () => {
  const creationOptions = { challenge: "Y2hhbGxlbmdl", rp: { id: "localhost", name: "hexauth" } };
  const credential = { id: "credential-1", type: "public-key" };
  const created: unknown[] = [];
  const webauthn: WebAuthn = {
    create: async (options) => (created.push(options), credential),
    get: () => Promise.reject(new Error("not used here")),
  };

  it("are added with the password and factor, the browser's credential and a name", async () => {
    const passkey = { id: "p1", name: "Laptop", created_at: "2026-12-06T00:00:00Z", last_used_at: null };
    const { client, calls } = signedInClient({
      "POST /auth/passkeys/register/options": () => Response.json({ ceremony: "c1", publicKey: creationOptions }),
      "POST /auth/passkeys/register": () => Response.json(passkey, { status: 201 }),
    });

    const added = await addPasskey(client, { name: " Laptop ", password: "pw", factor: { code: "123456" } }, webauthn);

    expect(added).toEqual(passkey);
    expect(created).toEqual([creationOptions]);
    expect(calls.map((call) => call.body)).toEqual([
      { password: "pw", code: "123456" },
      { ceremony: "c1", credential, name: "Laptop" },
    ]);
  });

  it("leave the name to the server when none is given", async () => {
    const { client, calls } = signedInClient({
      "POST /auth/passkeys/register/options": () => Response.json({ ceremony: "c1", publicKey: creationOptions }),
      "POST /auth/passkeys/register": () => Response.json({}, { status: 201 }),
    });

    await addPasskey(client, { name: "  ", password: "pw" }, webauthn);

    expect(calls[0]!.body).toEqual({ password: "pw" });
    expect(calls[1]!.body).toEqual({ ceremony: "c1", credential });
  });

  it("are not made when the password is refused", async () => {
    const { client, calls } = signedInClient({
      "POST /auth/passkeys/register/options": () => problem(403, "invalid-credentials"),
    });
    created.length = 0;

    await expect(addPasskey(client, { name: "", password: "wrong" }, webauthn)).rejects.toMatchObject({
      slug: "invalid-credentials",
    });

    expect(created).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it("are removed by id", async () => {
    const { client, calls } = signedInClient({ "DELETE /auth/passkeys/p%2F1": noContent });

    await removePasskey(client, "p/1");

    expect(calls.map((call) => call.route)).toEqual(["DELETE /auth/passkeys/p%2F1"]);
  });
});
