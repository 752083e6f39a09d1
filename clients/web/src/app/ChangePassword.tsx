import { useState, type FormEvent } from "react";
import { secondFactorFrom } from "../auth";
import { useAuth } from "../react/auth";
import { CurrentPasswordField, NewPasswordField, SecondFactorField } from "./fields";
import type { useProblem } from "./problems";

/** Shares the account's problem, so the page has one `error`: the last problem's detail. */
export function ChangePassword({
  email,
  totpOn,
  onChanged,
  run,
  problem,
}: { email: string; totpOn: boolean; onChanged: () => Promise<void> } & ReturnType<
  typeof useProblem
>) {
  const { client } = useAuth();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [code, setCode] = useState("");
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    const factor = totpOn ? secondFactorFrom(code) : undefined;
    const changed = await run(async () => {
      await client.changePassword(current, next, factor);
      await onChanged();
    });
    if (changed) {
      setCurrent("");
      setNext("");
      setCode("");
      setDone(true);
    }
  };

  return (
    <form onSubmit={submit}>
      <h2>Change password</h2>
      <input type="email" autoComplete="username" value={email} readOnly hidden />
      <CurrentPasswordField label="Current password" testId="current-password" value={current} onChange={setCurrent} />
      <NewPasswordField value={next} onChange={setNext} problem={problem} />
      {totpOn && <SecondFactorField testId="change-password-code" value={code} onChange={setCode} />}
      <button data-testid="change-password" type="submit">
        Change password
      </button>
      {done && <p data-testid="password-changed">Password changed; every other session ended.</p>}
    </form>
  );
}
