import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev`: the API (HEXAUTH_API, default http://127.0.0.1:8000) behind Vite's proxy, so
// page and API share one origin as in production. The Host header is kept (no changeOrigin):
// the API's CSRF check compares Origin with the request's own origin.
const api = { target: process.env.HEXAUTH_API ?? "http://127.0.0.1:8000", changeOrigin: false };

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/auth": api, "/users": api, "/health": api } },
  build: { sourcemap: false },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
