/** Two-step sign-in with an authenticator app (TOTP), and its recovery codes. */
import { toDataURL } from "qrcode";
import { useEffect, useState } from "react";
import {
  confirmTotp,
  newRecoveryCodes,
  removeTotp,
  secondFactorFrom,
  setUpTotp,
  type MfaStatus,
  type TotpSetup,
} from "../auth";
import { useAuth } from "../react/auth";
import type { useProblem } from "./problems";

export function TotpSettings({
  status,
  onChanged,
  run,
}: { status: MfaStatus; onChanged: () => Promise<void> } & Pick<
  ReturnType<typeof useProblem>,
  "run"
>) {
  const { client } = useAuth();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  // Every request of an action is done before its outcome shows and the inputs clear (in one
  // render), so nothing typed once the outcome appeared is wiped.
  const act = async (action: () => Promise<void>) => {
    if (await run(action)) {
      setPassword("");
      setCode("");
    }
  };
  const startSetup = () => act(async () => setSetup(await setUpTotp(client, password)));
  const confirm = () =>
    act(async () => {
      const codes = await confirmTotp(client, code.trim());
      await onChanged();
      setSetup(null); // the secret is never shown again (docs/api.md "TOTP")
      setRecoveryCodes(codes);
    });
  const renewCodes = () =>
    act(async () => {
      const codes = await newRecoveryCodes(client, password, secondFactorFrom(code));
      await onChanged();
      setRecoveryCodes(codes);
    });
  const remove = () =>
    act(async () => {
      await removeTotp(client, password, secondFactorFrom(code));
      await onChanged();
      setRecoveryCodes(null);
    });

  const passwordInput = (
    <label>
      Password
      <input
        data-testid="totp-password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
    </label>
  );
  const codeInput = (
    <label>
      {setup ? "Code from your authenticator app" : "Code from your app, or a recovery code"}
      <input
        data-testid="totp-code"
        inputMode={setup ? "numeric" : "text"}
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => setCode(event.target.value)}
      />
    </label>
  );

  // A form, so Enter sets up or confirms and password managers see the password field.
  return (
    <form onSubmit={(event) => event.preventDefault()}>
      <h2>Two-step sign-in</h2>
      <p
        data-testid="totp-status"
        data-enabled={status.totp}
        data-recovery-codes-left={status.recovery_codes_left}
      >
        {status.totp
          ? `An authenticator app is asked for at sign-in; ${status.recovery_codes_left} recovery codes left.`
          : "Off: only the password is asked for at sign-in."}
      </p>
      {recoveryCodes && <RecoveryCodes codes={recoveryCodes} onSaved={() => setRecoveryCodes(null)} />}
      {!status.totp && setup === null && (
        <>
          {passwordInput}
          <button data-testid="totp-setup" onClick={startSetup}>
            Set up an authenticator app
          </button>
        </>
      )}
      {!status.totp && setup !== null && (
        <>
          <p>Scan this code with your authenticator app, or type the key into it:</p>
          <TotpQrCode uri={setup.otpauth_uri} />
          <p>
            <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          {codeInput}
          <button data-testid="totp-confirm" onClick={confirm}>
            Turn on
          </button>
        </>
      )}
      {status.totp && (
        <>
          {passwordInput}
          {codeInput}
          <button data-testid="recovery-codes-new" type="button" onClick={renewCodes}>
            New recovery codes
          </button>
          <button data-testid="totp-remove" type="button" onClick={remove}>
            Turn off
          </button>
        </>
      )}
    </form>
  );
}

/** The otpauth:// URI as a QR code: a PNG data: URL, which the app's CSP allows (img-src data:). */
function TotpQrCode({ uri }: { uri: string }) {
  const [image, setImage] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void toDataURL(uri, { margin: 2, width: 200 }).then((url) => current && setImage(url));
    return () => {
      current = false;
    };
  }, [uri]);
  if (image === null) return null;
  return <img data-testid="totp-qr" src={image} alt="QR code of the TOTP key" />;
}

function RecoveryCodes({ codes, onSaved }: { codes: string[]; onSaved: () => void }) {
  return (
    <div className="recovery-codes">
      <p>
        Your recovery codes, shown only now. Each works once in place of a code from your app: keep
        them somewhere safe.
      </p>
      <ul data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code} data-testid="recovery-code">
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <button data-testid="recovery-codes-saved" type="button" onClick={onSaved}>
        I have saved them
      </button>
    </div>
  );
}
