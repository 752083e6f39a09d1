/** The second step of a password sign-in on an account with TOTP: a code, or a recovery code. */
import { useState, type FormEvent } from "react";
import { ProblemError, type MfaChallenge, type SecondFactor } from "../auth";
import { useAuth } from "../react/auth";
import type { useProblem } from "./problems";

export function SecondFactorStep({
  challenge,
  onExpired,
  run,
}: { challenge: MfaChallenge; onExpired: () => void } & Pick<ReturnType<typeof useProblem>, "run">) {
  const { client } = useAuth();
  const [code, setCode] = useState("");
  const [recoveryCode, setRecoveryCode] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const factor: SecondFactor =
      recoveryCode.trim() !== "" ? { recovery_code: recoveryCode } : { code };
    setBusy(true);
    await run(async () => {
      try {
        await client.signInWithSecondFactor(challenge.mfaToken, factor);
      } catch (error) {
        // Expired, used up by wrong codes, or already used: only a new password step helps.
        if (error instanceof ProblemError && error.slug === "invalid-token") onExpired();
        throw error;
      }
    });
    setBusy(false);
  };

  return (
    <form onSubmit={submit} data-testid="mfa-step">
      <h2>Two-step sign-in</h2>
      <label>
        Code from your authenticator app
        <input
          data-testid="mfa-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
        />
      </label>
      <label>
        Or one of your recovery codes
        <input
          data-testid="mfa-recovery-code"
          autoComplete="off"
          spellCheck={false}
          value={recoveryCode}
          onChange={(event) => setRecoveryCode(event.target.value)}
        />
      </label>
      <div className="actions">
        <button data-testid="mfa-submit" type="submit" disabled={busy}>
          Sign in
        </button>
        <button data-testid="mfa-cancel" type="button" onClick={onExpired}>
          Start again
        </button>
      </div>
    </form>
  );
}
