import { describe, expect, it } from "vitest";
import { routeFrom } from "../src/app/routes";

/** An address bar: `location` and a `history` that records what replaceState put there. */
function addressBar(url: string) {
  const parsed = new URL(url, "https://app.example.com");
  const bar = {
    shown: parsed.pathname + parsed.search + parsed.hash,
    location: { pathname: parsed.pathname, search: parsed.search, hash: parsed.hash },
    history: {
      state: null,
      replaceState(_state: unknown, _unused: string, next?: string | URL | null) {
        bar.shown = String(next);
      },
    },
  };
  return bar;
}

describe("routes", () => {
  it("take a reset link's token from the fragment and clear it from the address bar", () => {
    const bar = addressBar("/reset-password#token=AbC-123_x");

    const route = routeFrom(bar.location, bar.history);

    expect(route).toEqual({ page: "reset-password", token: "AbC-123_x" });
    expect(bar.shown).toBe("/reset-password");
  });

  it("take a verification link's token the same way, keeping the query", () => {
    const bar = addressBar("/verify-email?from=mail#token=t0k3n");

    const route = routeFrom(bar.location, bar.history);

    expect(route).toEqual({ page: "verify-email", token: "t0k3n" });
    expect(bar.shown).toBe("/verify-email?from=mail");
  });

  it("give a link page without a token a null token", () => {
    for (const url of ["/reset-password", "/reset-password#", "/verify-email#token=", "/verify-email#other=1"]) {
      const bar = addressBar(url);
      expect(routeFrom(bar.location, bar.history)).toMatchObject({ token: null });
      expect(bar.shown).not.toContain("#");
    }
  });

  it("leave every other address, fragment included, to the home page", () => {
    const bar = addressBar("/#token=not-a-link");

    expect(routeFrom(bar.location, bar.history)).toEqual({ page: "home" });
    expect(bar.shown).toBe("/#token=not-a-link");
  });
});
