import { useState, type FormEvent } from "react";
import { useAuth } from "../react/auth";
import { FieldMessage, ProblemMessage, useProblem } from "./problems";

export function SignInForm() {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [forgotSentTo, setForgotSentTo] = useState<string | null>(null);

  const submit = (action: "sign-in" | "sign-up") => async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    const go = action === "sign-in" ? client.signIn : client.signUp;
    await run(() => go(email, password));
    setBusy(false);
  };

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
