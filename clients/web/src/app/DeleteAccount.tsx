import { useState, type FormEvent } from "react";
import { secondFactorFrom } from "../auth";
import { useAuth } from "../react/auth";
import type { useProblem } from "./problems";
import { CurrentPasswordField, SecondFactorField } from "./fields";

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
      <CurrentPasswordField label="Password" testId="delete-account-password" value={password} onChange={setPassword} />
      {totpOn && <SecondFactorField testId="delete-account-code" value={code} onChange={setCode} />}
      <button data-testid="delete-account" type="submit">
        Delete my account
      </button>
    </form>
  );
}
