import { useState, type FormEvent } from "react";
import type { MfaChallenge } from "../auth";
import { useAuth } from "../react/auth";
import { FieldMessage, ProblemMessage, useProblem } from "./problems";
import { SecondFactorStep } from "./SecondFactorStep";

export function SignInForm() {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [forgotSentTo, setForgotSentTo] = useState<string | null>(null);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);

  const submit = (action: "sign-in" | "sign-up") => async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    if (action === "sign-up") await run(() => client.signUp(email, password));
    else await run(async () => setChallenge(await client.signIn(email, password)));
    setBusy(false);
  };

  const signInWithPasskey = async () => {
    setBusy(true);
    await run(client.signInWithPasskey);
    setBusy(false);
  };

  if (challenge !== null) {
    return (
      <section data-testid="signed-out">
        <SecondFactorStep
          key={challenge.mfaToken}
          challenge={challenge}
          onExpired={() => setChallenge(null)}
          run={run}
        />
        <ProblemMessage problem={problem} />
      </section>
    );
  }

  const forgot = async () => {
    setBusy(true);
    setForgotSentTo(null);
    if (await run(() => client.forgotPassword(email))) setForgotSentTo(email);
    setBusy(false);
  };

  return (
    <section data-testid="signed-out">
      <h2>Sign in or create an account</h2>
      <form onSubmit={submit("sign-in")}>
        <label>
          Email
          <input
            data-testid="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <FieldMessage problem={problem} field="email" />
        <label>
          Password
          <input
            data-testid="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <FieldMessage problem={problem} field="password" />
        <div className="actions">
          <button data-testid="sign-in" type="submit" disabled={busy}>
            Sign in
          </button>
          <button data-testid="sign-up" type="button" disabled={busy} onClick={submit("sign-up")}>
            Sign up
          </button>
          <button data-testid="forgot-password" type="button" disabled={busy} onClick={forgot}>
            Forgot password?
          </button>
        </div>
        <div className="actions">
          <button
            data-testid="passkey-sign-in"
            type="button"
            disabled={busy}
            onClick={signInWithPasskey}
          >
            Sign in with a passkey
          </button>
        </div>
      </form>
      {forgotSentTo !== null && (
        <p data-testid="forgot-sent">
          If an account has the email {forgotSentTo}, a link to set a new password is on its way.
          It works once, and not for long.
        </p>
      )}
      <ProblemMessage problem={problem} />
    </section>
  );
}
