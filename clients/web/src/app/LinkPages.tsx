/** The pages a mailed link opens: set a new password, or verify the email. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ProblemError } from "../auth";
import { useAuth } from "../react/auth";
import { NewPasswordField } from "./fields";
import { ProblemMessage, useProblem } from "./problems";

const INCOMPLETE_LINK = new ProblemError(
  400,
  "invalid-link",
  "This link is incomplete. Open it from the mail again, or ask for a new one.",
);

function BackHome({ children }: { children: string }) {
  return (
    <p>
      <a data-testid="back-home" href="/">
        {children}
      </a>
    </p>
  );
}

export function ResetPassword({ token }: { token: string | null }) {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (token === null) return;
    setBusy(true);
    const reset = await run(() => client.resetPassword(token, password));
    setBusy(false);
    if (reset) {
      setPassword("");
      setDone(true);
    }
  };

  if (token === null || done) {
    return (
      <section data-testid="reset-password-page">
        <h2>Set a new password</h2>
        {done ? (
          <p data-testid="reset-done">
            Your new password is set, and every session of the account has ended.
          </p>
        ) : (
          <ProblemMessage problem={INCOMPLETE_LINK} />
        )}
        <BackHome>{done ? "Sign in" : "Back to sign in"}</BackHome>
      </section>
    );
  }
  return (
    <section data-testid="reset-password-page">
      <h2>Set a new password</h2>
      <form onSubmit={submit}>
        <NewPasswordField value={password} onChange={setPassword} problem={problem} />
        <button data-testid="reset-password" type="submit" disabled={busy}>
          Set the new password
        </button>
      </form>
      <ProblemMessage problem={problem} />
      {problem?.slug === "invalid-link" && <BackHome>Ask for a new link</BackHome>}
    </section>
  );
}

export function VerifyEmail({ token }: { token: string | null }) {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [verified, setVerified] = useState(false);
  const sent = useRef<Promise<void> | null>(null);

  useEffect(() => {
    if (token === null) return;
    // A link works once, and StrictMode runs effects twice in development: send it once.
    sent.current ??= client.verifyEmail(token);
    const verifying = sent.current;
    void run(() => verifying).then(setVerified);
  }, [client, run, token]);

  const failed = token === null ? INCOMPLETE_LINK : problem;
  return (
    <section data-testid="verify-email-page">
      <h2>Verify your email</h2>
      {verified && <p data-testid="email-verified">Your email is verified.</p>}
      {!verified && failed === null && <p data-testid="verifying">Verifying…</p>}
      <ProblemMessage problem={failed} />
      <BackHome>{verified ? "Continue" : "Back to sign in"}</BackHome>
    </section>
  );
}
