import { useAuth } from "../react/auth";
import { Account } from "./Account";
import { ResetPassword, VerifyEmail } from "./LinkPages";
import type { Route } from "./routes";
import { SignInForm } from "./SignInForm";

export function App({ route = { page: "home" } }: { route?: Route }) {
  const { state } = useAuth();
  return (
    <main>
      <h1>hexauth</h1>
      {route.page === "reset-password" && <ResetPassword token={route.token} />}
      {route.page === "verify-email" && <VerifyEmail token={route.token} />}
      {route.page === "home" && state.status === "loading" && <p data-testid="loading">Loading…</p>}
      {route.page === "home" && state.status === "signed-out" && <SignInForm />}
      {route.page === "home" && state.status === "signed-in" && (
        <Account key={state.user.id} user={state.user} />
      )}
    </main>
  );
}
