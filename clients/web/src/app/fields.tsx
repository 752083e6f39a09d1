/** The new-password input and its field errors, as the change-password form and the reset page
 * both ask for it: the same test id, autocomplete hint and problem field (`new_password`). */
import type { ProblemError } from "../auth";
import { FieldMessage } from "./problems";

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
