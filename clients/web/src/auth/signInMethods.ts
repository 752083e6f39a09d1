/**
 * The signed-in account's sign-in methods beyond its password (docs/api.md "Second factor (TOTP,
 * recovery codes) and passkeys"): TOTP and its recovery codes, and passkeys. Each is one bearer
 * request through `client.fetch`; the secret and the codes are returned to show once, never kept.
 */
import type { AuthClient } from "./client";
import { problemFrom } from "./problem";
import type { MfaStatus, Passkey, PasskeyCeremony, SecondFactor, TotpSetup } from "./types";
import { browserWebAuthn, type WebAuthn } from "./webauthn";

type Bearer = Pick<AuthClient, "fetch">;

const TOTP_CODE = /^\d{6}$/; // RFC 6238 as the API runs it: 6 digits

/** One input for either factor: 6 digits are a TOTP code, anything else a recovery code;
 * nothing for a blank input (the API then answers that the factor is missing). */
export function secondFactorFrom(input: string): SecondFactor | undefined {
  const trimmed = input.trim();
  if (trimmed === "") return undefined;
  return TOTP_CODE.test(trimmed) ? { code: trimmed } : { recovery_code: trimmed };
}

export const getMfaStatus = (client: Bearer) => send<MfaStatus>(client, "GET", "/auth/mfa");

/** A pending TOTP secret, shown once; `confirmTotp` with a code from it turns TOTP on. */
export const setUpTotp = (client: Bearer, password: string) =>
  send<TotpSetup>(client, "POST", "/auth/mfa/totp/setup", { password });

/** TOTP is on from now; the answer is the recovery codes, shown once. */
export const confirmTotp = (client: Bearer, code: string) =>
  send<RecoveryCodes>(client, "POST", "/auth/mfa/totp/confirm", { code }).then(codesOnly);

export const removeTotp = (client: Bearer, password: string, factor?: SecondFactor) =>
  send<void>(client, "DELETE", "/auth/mfa/totp", { password, ...factor });

/** Ten fresh recovery codes; every earlier one is dead. */
export const newRecoveryCodes = (client: Bearer, password: string, factor?: SecondFactor) =>
  send<RecoveryCodes>(client, "POST", "/auth/mfa/recovery-codes", { password, ...factor }).then(
    codesOnly,
  );

export const listPasskeys = (client: Bearer) => send<Passkey[]>(client, "GET", "/auth/passkeys");

/** A passkey made on this device (the password, and with TOTP a factor, are asked first). */
export async function addPasskey(
  client: Bearer,
  { name, password, factor }: { name: string; password: string; factor?: SecondFactor },
  webauthn: WebAuthn = browserWebAuthn,
): Promise<Passkey> {
  const path = "/auth/passkeys/register";
  const { ceremony, publicKey } = await send<PasskeyCeremony<"create">>(
    client,
    "POST",
    `${path}/options`,
    { password, ...factor },
  );
  const credential = await webauthn.create(publicKey);
  return send<Passkey>(client, "POST", path, { ceremony, credential, name: name.trim() || undefined });
}

export const removePasskey = (client: Bearer, id: string) =>
  send<void>(client, "DELETE", `/auth/passkeys/${encodeURIComponent(id)}`);

type RecoveryCodes = { recovery_codes: string[] };
const codesOnly = (answer: RecoveryCodes) => answer.recovery_codes;

/** A bearer JSON request; any answer but 2xx is thrown as its problem, 204 is undefined. */
async function send<T>(client: Bearer, method: string, path: string, body?: object): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const response = await client.fetch(path, init);
  if (!response.ok) throw await problemFrom(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}
