import { useCallback, useState } from "react";
import { ProblemError } from "../auth";

/** The last problem of any action, and `run` to perform an action that may fail. */
export function useProblem() {
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setProblem(null);
    try {
      await action();
      return true;
    } catch (error) {
      setProblem(
        error instanceof ProblemError
          ? error
          : new ProblemError(0, "network-error", "The service could not be reached. Try again."),
      );
      return false;
    }
  }, []);
  return { problem, run };
}

export function ProblemMessage({ problem }: { problem: ProblemError | null }) {
  if (problem === null) return null;
  return (
    <div className="problem" role="alert">
      <p data-testid="error" data-slug={problem.slug}>
        {problem.detail}
      </p>
      {problem.retryAfter !== null && (
        <p data-testid="retry-after" data-seconds={problem.retryAfter}>
          Please wait {problem.retryAfter} seconds before trying again.
        </p>
      )}
    </div>
  );
}

export function FieldMessage({ problem, field }: { problem: ProblemError | null; field: string }) {
  const messages = problem?.fieldErrors.filter((error) => error.field === field) ?? [];
  return messages.map((error) => (
    <p key={error.message} className="field-error" data-testid="field-error" data-field={field}>
      {error.message}
    </p>
  ));
}
