import { useCallback, useEffect, useState } from "react";
import { getMfaStatus, problemFrom, type MfaStatus, type Session, type User } from "../auth";
import { useAuth } from "../react/auth";
import { ChangePassword } from "./ChangePassword";
import { DeleteAccount } from "./DeleteAccount";
import { Passkeys } from "./Passkeys";
import { ProblemMessage, useProblem } from "./problems";
import { TotpSettings } from "./TotpSettings";

export function Account({ user }: { user: User }) {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [profile, setProfile] = useState<User | null>(null);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [verificationSent, setVerificationSent] = useState(false);
  const [mfa, setMfa] = useState<MfaStatus | null>(null);

  const getJson = useCallback(
    async <T,>(path: string): Promise<T> => {
      const response = await client.fetch(path);
      if (!response.ok) throw await problemFrom(response);
      return (await response.json()) as T;
    },
    [client],
  );
  const loadProfile = useCallback(() => getJson<User>("/users/me").then(setProfile), [getJson]);
  const loadSessions = useCallback(
    () => getJson<Session[]>("/auth/sessions").then(setSessions),
    [getJson],
  );
  const loadMfa = useCallback(async () => setMfa(await getMfaStatus(client)), [client]);
  useEffect(() => {
    void run(() => Promise.all([loadProfile(), loadSessions(), loadMfa()]));
  }, [run, loadProfile, loadSessions, loadMfa]);
  const totpOn = mfa?.totp ?? false;

  const revoke = (session: Session) =>
    run(async () => {
      if (session.current) return client.signOut(); // ends this session, and tells every tab
      const response = await client.fetch(`/auth/sessions/${session.id}`, { method: "DELETE" });
      if (!response.ok) throw await problemFrom(response);
      await loadSessions();
    });

  const sendVerification = async () => {
    setVerificationSent(false);
    setVerificationSent(await run(client.sendEmailVerification));
  };

  return (
    <section>
      <p className="who">
        Signed in as <strong data-testid="signed-in-as">{user.email}</strong>
      </p>
      <div className="actions">
        <button data-testid="sign-out" onClick={() => run(client.signOut)}>
          Sign out
        </button>
        <button data-testid="sign-out-everywhere" onClick={() => run(client.signOutEverywhere)}>
          Sign out everywhere
        </button>
      </div>
      <ProblemMessage problem={problem} />

      <h2>Profile</h2>
      {profile && (
        <dl data-testid="profile">
          <dt>Email</dt>
          <dd>{profile.email}</dd>
          <dt>Verified</dt>
          <dd data-testid="email-verified-status" data-verified={profile.email_verified}>
            {profile.email_verified ? "yes" : "not yet"}
          </dd>
          <dt>Account since</dt>
          <dd>{new Date(profile.created_at).toLocaleString()}</dd>
        </dl>
      )}
      {profile && !profile.email_verified && (
        <button data-testid="send-verification" onClick={sendVerification}>
          Send the verification mail again
        </button>
      )}
      <button data-testid="reload-profile" onClick={() => run(loadProfile)}>
        Reload profile
      </button>
      {verificationSent && (
        <p data-testid="verification-sent">A verification link is on its way to {user.email}.</p>
      )}

      <h2>Sessions</h2>
      <ul data-testid="sessions">
        {sessions.map((session) => (
          <li
            key={session.id}
            data-testid="session"
            data-current={session.current}
            data-amr={session.amr.join(" ")}
          >
            <span className="agent">{describeAgent(session.user_agent)}</span>
            <span>{describeSignIn(session.amr)}</span>
            <span>since {new Date(session.created_at).toLocaleString()}</span>
            {session.current && <strong data-testid="this-device">this device</strong>}
            <button data-testid="revoke" onClick={() => revoke(session)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <button data-testid="reload-sessions" onClick={() => run(loadSessions)}>
        Reload sessions
      </button>

      {mfa && <TotpSettings status={mfa} onChanged={loadMfa} run={run} />}
      <Passkeys totpOn={totpOn} onChanged={loadMfa} run={run} />
      <ChangePassword
        email={user.email}
        totpOn={totpOn}
        onChanged={() => Promise.all([loadSessions(), loadMfa()]).then(() => undefined)}
        run={run}
        problem={problem}
      />
      <DeleteAccount totpOn={totpOn} run={run} />
    </section>
  );
}

/** How a session signed in, from its `amr` (RFC 8176 method values, docs/api.md "amr"). */
function describeSignIn(amr: readonly string[]): string {
  if (amr.includes("hwk")) return "with a passkey";
  return amr.includes("otp") ? "with password and code" : "with password";
}

function describeAgent(userAgent: string): string {
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(userAgent);
  return browser ? browser[0] : userAgent.slice(0, 60) || "unknown device";
}
