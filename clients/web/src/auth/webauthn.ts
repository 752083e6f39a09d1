/**
 * The browser's WebAuthn ceremonies in the JSON forms the API speaks (docs/api.md "Passkeys"):
 * options go in through `PublicKeyCredential.parse*OptionsFromJSON` and the credential comes out
 * as its `toJSON()` (WebAuthn Level 3), so no base64url is converted by hand here.
 */
import { ProblemError } from "./problem";

export interface WebAuthn {
  /** A new passkey made for these creation options, as its `toJSON()`. */
  create(options: PublicKeyCredentialCreationOptionsJSON): Promise<unknown>;
  /** A passkey's signature for these request options, as its `toJSON()`. */
  get(options: PublicKeyCredentialRequestOptionsJSON): Promise<unknown>;
}

export const browserWebAuthn: WebAuthn = {
  create: (options) =>
    ceremony(() =>
      navigator.credentials.create({ publicKey: jsonForms().parseCreationOptionsFromJSON(options) }),
    ),
  get: (options) =>
    ceremony(() =>
      navigator.credentials.get({ publicKey: jsonForms().parseRequestOptionsFromJSON(options) }),
    ),
};

/** True when this browser has the WebAuthn JSON forms the app relies on. */
export function passkeysSupported(): boolean {
  return typeof globalThis.PublicKeyCredential?.parseRequestOptionsFromJSON === "function";
}

function jsonForms(): typeof PublicKeyCredential {
  if (!passkeysSupported()) {
    throw new ProblemError(0, "passkeys-unsupported", "This browser cannot use passkeys.");
  }
  return PublicKeyCredential;
}

async function ceremony(run: () => Promise<Credential | null>): Promise<unknown> {
  let credential: Credential | null;
  try {
    credential = await run();
  } catch (error) {
    if (error instanceof DOMException) throw refused(error.name);
    throw error;
  }
  if (!(credential instanceof PublicKeyCredential)) throw refused("NotAllowedError");
  return credential.toJSON();
}

/** The browser's refusals as problems a form can show (WebAuthn Level 3 sections 5.1.3, 5.1.4). */
function refused(name: string): ProblemError {
  const detail =
    name === "InvalidStateError"
      ? "This device already holds a passkey for this account."
      : name === "NotAllowedError"
        ? "No passkey was used: the request was cancelled or timed out."
        : "The browser refused the passkey request.";
  return new ProblemError(0, "passkey-refused", detail);
}
