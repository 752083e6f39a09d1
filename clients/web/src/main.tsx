import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createAuthClient } from "./auth";
import { AuthProvider } from "./react/auth";
import { App } from "./app/App";
import { routeFrom } from "./app/routes";
import "./app/app.css";

const client = createAuthClient();
const route = routeFrom(window.location, window.history); // once: it clears a link's token
if (route.page !== "home") {
  // A link opened again in this tab changes only the fragment: start afresh to read its token.
  window.addEventListener("hashchange", () => window.location.reload());
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthProvider client={client}>
      <App route={route} />
    </AuthProvider>
  </StrictMode>,
);
