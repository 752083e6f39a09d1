import { useAuth } from "../react/auth";
import { Account } from "./Account";
import { SignInForm } from "./SignInForm";

export function App() {
  const { state } = useAuth();
  return (
    <main>
      <h1>hexauth</h1>
      {state.status === "loading" && <p data-testid="loading">Loading…</p>}
      {state.status === "signed-out" && <SignInForm />}
      {state.status === "signed-in" && <Account key={state.user.id} user={state.user} />}
    </main>
  );
}
