/**
 * The app's pages. The server answers `/`, `/reset-password` and `/verify-email` with this app
 * (entrypoints/http/web_app.py CLIENT_ROUTES); the mailed links carry their token in the
 * fragment (`#token=...`), which no server log or `Referer` ever sees.
 */

export type LinkPage = "reset-password" | "verify-email";

export type Route = { page: "home" } | { page: LinkPage; token: string | null };

const LINK_PAGES: readonly string[] = ["reset-password", "verify-email"] satisfies LinkPage[];

/**
 * The page this address shows. On a link page the token is taken out of the address bar at once
 * (`history.replaceState`), so it does not linger in the history, a bookmark or a shared screen:
 * call this once, before the app renders.
 */
export function routeFrom(
  location: Pick<Location, "pathname" | "search" | "hash">,
  history: Pick<History, "replaceState" | "state">,
): Route {
  const page = location.pathname.replace(/^\/+|\/+$/g, "");
  if (!isLinkPage(page)) return { page: "home" };
  const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (location.hash !== "") history.replaceState(history.state, "", location.pathname + location.search);
  return { page, token: token || null };
}

function isLinkPage(page: string): page is LinkPage {
  return LINK_PAGES.includes(page);
}
