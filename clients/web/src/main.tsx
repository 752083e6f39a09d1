import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createAuthClient } from "./auth";
import { AuthProvider } from "./react/auth";
import { App } from "./app/App";
import "./app/app.css";

const client = createAuthClient();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthProvider client={client}>
      <App />
    </AuthProvider>
  </StrictMode>,
);
