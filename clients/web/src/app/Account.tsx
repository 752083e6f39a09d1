import { useCallback, useEffect, useState, type FormEvent } from "react";
import { problemFrom, type Session, type User } from "../auth";
import { useAuth } from "../react/auth";
import { NewPasswordField } from "./fields";
import { ProblemMessage, useProblem } from "./problems";

export function Account({ user }: { user: User }) {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [profile, setProfile] = useState<User | null>(null);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [verificationSent, setVerificationSent] = useState(false);

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
  useEffect(() => {
    void run(() => Promise.all([loadProfile(), loadSessions()]));
  }, [run, loadProfile, loadSessions]);

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
          <li key={session.id} data-testid="session" data-current={session.current}>
            <span className="agent">{describeAgent(session.user_agent)}</span>
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

      <ChangePassword email={user.email} onChanged={loadSessions} run={run} problem={problem} />
    </section>
  );
}

/** Shares the account's problem, so the page has one `error`: the last problem's detail. */
function ChangePassword({
  email,
  onChanged,
  run,
  problem,
}: { email: string; onChanged: () => Promise<void> } & ReturnType<typeof useProblem>) {
  const { client } = useAuth();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    const changed = await run(async () => {
      await client.changePassword(current, next);
      await onChanged();
    });
    if (changed) {
      setCurrent("");
      setNext("");
      setDone(true);
    }
  };

  return (
    <form onSubmit={submit}>
      <h2>Change password</h2>
      <input type="email" autoComplete="username" value={email} readOnly hidden />
      <label>
        Current password
        <input
          data-testid="current-password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
        />
      </label>
      <NewPasswordField value={next} onChange={setNext} problem={problem} />
      <button data-testid="change-password" type="submit">
        Change password
      </button>
      {done && <p data-testid="password-changed">Password changed; every other session ended.</p>}
    </form>
  );
}

function describeAgent(userAgent: string): string {
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(userAgent);
  return browser ? browser[0] : userAgent.slice(0, 60) || "unknown device";
}
