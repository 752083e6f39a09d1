import { useState, type FormEvent } from "react";
import { secondFactorFrom } from "../auth";
import { useAuth } from "../react/auth";
import { NewPasswordField } from "./fields";
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
      <label>
        Current password
        <input
          data-testid="current-password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
        />
      </label>
      <NewPasswordField value={next} onChange={setNext} problem={problem} />
      {totpOn && (
        <label>
          Code from your app, or a recovery code
          <input
            data-testid="change-password-code"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        </label>
      )}
      <button data-testid="change-password" type="submit">
        Change password
      </button>
      {done && <p data-testid="password-changed">Password changed; every other session ended.</p>}
    </form>
  );
}
