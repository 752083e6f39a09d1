import { useState, type FormEvent } from "react";
import { secondFactorFrom } from "../auth";
import { useAuth } from "../react/auth";
import type { useProblem } from "./problems";

/** Deleting the account asks for its password (and, with TOTP, a code) like any sign-in would. */
export function DeleteAccount({
  totpOn,
  run,
}: { totpOn: boolean } & Pick<ReturnType<typeof useProblem>, "run">) {
  const { client } = useAuth();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const factor = totpOn ? secondFactorFrom(code) : undefined;
    await run(() => client.deleteAccount(password, factor)); // then signed out, in every tab
  };

  return (
    <form onSubmit={submit}>
      <h2>Delete the account</h2>
      <p>The account, its sessions, second factor and passkeys are deleted for good.</p>
      <label>
        Password
        <input
          data-testid="delete-account-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </label>
      {totpOn && (
        <label>
          Code from your app, or a recovery code
          <input
            data-testid="delete-account-code"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        </label>
      )}
      <button data-testid="delete-account" type="submit">
        Delete my account
      </button>
    </form>
  );
}
