/** RFC 9457 problem answers as typed errors, so a form can show what went wrong and where. */
import type { MfaChallenge } from "./types";

export interface FieldError {
  field: string;
  message: string;
}

const TYPE_PREFIX = "urn:hexauth:problem:";
const STANDARD_MEMBERS = new Set(["type", "title", "status", "detail", "instance", "errors"]);

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    /** The problem type's slug: "invalid-credentials", "too-many-requests", ... */
    readonly slug: string,
    readonly detail: string,
    readonly fieldErrors: readonly FieldError[] = [],
    /** Seconds to wait before trying again (429, 503), from `Retry-After`. */
    readonly retryAfter: number | null = null,
    /** The problem's extension members (RFC 9457 section 3.2), such as `mfa_token`. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = "ProblemError";
  }
}

/** The problem a failed response carries; any other body still becomes a ProblemError. */
export async function problemFrom(response: Response): Promise<ProblemError> {
  const body = await response.json().then(
    (value: unknown) => (isRecord(value) ? value : {}),
    () => ({}) as Record<string, unknown>, // not JSON: a proxy's error page, say
  );
  const type = typeof body.type === "string" ? body.type : "";
  const slug = type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : `http-${response.status}`;
  const detail =
    typeof body.detail === "string"
      ? body.detail
      : typeof body.title === "string"
        ? body.title
        : `The server answered ${response.status}.`;
  const fieldErrors = Array.isArray(body.errors) ? body.errors.filter(isFieldError) : [];
  const retryAfter = retryAfterSeconds(response.headers.get("Retry-After"));
  const extensions = Object.fromEntries(
    Object.entries(body).filter(([member]) => !STANDARD_MEMBERS.has(member)),
  );
  return new ProblemError(response.status, slug, detail, fieldErrors, retryAfter, extensions);
}

/** The second step a 403 `mfa-required` asks for (docs/api.md "Login with a second factor"). */
export function mfaChallengeFrom(problem: ProblemError): MfaChallenge | null {
  const { mfa_token: mfaToken, methods, expires_in: expiresIn } = problem.extensions;
  if (problem.slug !== "mfa-required" || typeof mfaToken !== "string") return null;
  return {
    mfaToken,
    methods: Array.isArray(methods) ? methods.filter((m): m is string => typeof m === "string") : [],
    expiresIn: typeof expiresIn === "number" ? expiresIn : 0,
  };
}

/** RFC 9110 section 10.2.3: delay-seconds or an HTTP-date. */
function retryAfterSeconds(header: string | null): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFieldError(value: unknown): value is FieldError {
  return isRecord(value) && typeof value.field === "string" && typeof value.message === "string";
}
