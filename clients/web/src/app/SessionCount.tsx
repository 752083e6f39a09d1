import { useEffect, useState } from "react";
import { problemFrom } from "../auth";
import { useAuth } from "../react/auth";
import { ProblemMessage, useProblem } from "./problems";

/** `/sessions`: how many live sessions the signed-in user has (GET /auth/sessions/count). */
export function SessionCount() {
  const { client } = useAuth();
  const { problem, run } = useProblem();
  const [count, setCount] = useState<number | null>(null);

  useEffect(() => {
    void run(async () => {
      const response = await client.fetch("/auth/sessions/count");
      if (!response.ok) throw await problemFrom(response);
      setCount(((await response.json()) as { count: number }).count);
    });
  }, [client, run]);

  return (
    <section>
      <h2>Sessions</h2>
      {count !== null && (
        <p>
          Signed in on <strong data-testid="session-count">{count}</strong> devices
        </p>
      )}
      <ProblemMessage problem={problem} />
    </section>
  );
}
