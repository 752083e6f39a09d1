/** Inputs the account forms share, so each keeps one test id, autocomplete hint and label. */
import type { ProblemError } from "../auth";
import { FieldMessage } from "./problems";

/** The new-password input and its field errors, as the change-password form and the reset page
 * both ask for it (problem field `new_password`). */
export function NewPasswordField({
  value,
  onChange,
  problem,
}: {
  value: string;
  onChange: (value: string) => void;
  problem: ProblemError | null;
}) {
  return (
    <>
      <label>
        New password
        <input
          data-testid="new-password"
          type="password"
          autoComplete="new-password"
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      </label>
      <FieldMessage problem={problem} field="new_password" />
    </>
  );
}

/** The password an action asks for again (change password, delete the account, add a passkey). */
export function CurrentPasswordField({
  label,
  testId,
  value,
  onChange,
}: {
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        data-testid={testId}
        type="password"
        autoComplete="current-password"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

/** The code the same actions ask for when the account has TOTP; a recovery code fits it too. */
export function SecondFactorField({
  testId,
  value,
  onChange,
}: {
  testId: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      Code from your app, or a recovery code
      <input
        data-testid={testId}
        autoComplete="one-time-code"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}
