import { afterEach, describe, expect, it, vi } from "vitest";
import { browserWebAuthn, passkeysSupported } from "../src/auth";

/** PublicKeyCredential as a WebAuthn Level 3 browser has it: the JSON forms and toJSON(). */
class FakePublicKeyCredential {
  static parseRequestOptionsFromJSON = (options: object) => ({ parsed: options });
  static parseCreationOptionsFromJSON = (options: object) => ({ parsed: options });
  toJSON() {
    return { id: "credential-1", type: "public-key" };
  }
}

function aBrowser(credentials: Partial<CredentialsContainer>) {
  vi.stubGlobal("PublicKeyCredential", FakePublicKeyCredential);
  vi.stubGlobal("navigator", { credentials });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const requestOptions = { challenge: "Y2hhbGxlbmdl" };

describe("the browser's passkey ceremonies", () => {
  it("pass the parsed options to the browser and answer the credential's toJSON()", async () => {
    const get = vi.fn(async () => new FakePublicKeyCredential() as unknown as Credential);
    aBrowser({ get });

    const credential = await browserWebAuthn.get(requestOptions);

    expect(get).toHaveBeenCalledWith({ publicKey: { parsed: requestOptions } });
    expect(credential).toEqual({ id: "credential-1", type: "public-key" });
  });

  it("turn a cancelled or timed-out dialog into a problem a form can show", async () => {
    aBrowser({ get: () => Promise.reject(new DOMException("The operation either timed out or was not allowed.", "NotAllowedError")) });

    await expect(browserWebAuthn.get(requestOptions)).rejects.toMatchObject({
      slug: "passkey-refused",
      detail: expect.stringContaining("cancelled or timed out"),
    });
  });

  it("say so when this device already holds a passkey for the account", async () => {
    aBrowser({ create: () => Promise.reject(new DOMException("excluded", "InvalidStateError")) });

    await expect(browserWebAuthn.create({} as PublicKeyCredentialCreationOptionsJSON)).rejects.toMatchObject({
      slug: "passkey-refused",
      detail: expect.stringContaining("already holds a passkey"),
    });
  });

  it("tell a browser without the WebAuthn JSON forms that it cannot use passkeys", async () => {
    const get = vi.fn();
    vi.stubGlobal("PublicKeyCredential", undefined);
    vi.stubGlobal("navigator", { credentials: { get } });

    expect(passkeysSupported()).toBe(false);
    await expect(browserWebAuthn.get(requestOptions)).rejects.toMatchObject({ slug: "passkeys-unsupported" });
    expect(get).not.toHaveBeenCalled();
  });
});
