/** The account's passkeys: the list, adding one made on this device, removing one. */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { addPasskey, listPasskeys, removePasskey, secondFactorFrom, type Passkey } from "../auth";
import { useAuth } from "../react/auth";
import type { useProblem } from "./problems";
import { CurrentPasswordField, SecondFactorField } from "./fields";

export function Passkeys({
  totpOn,
  onChanged,
  run,
}: { totpOn: boolean; onChanged: () => Promise<void> } & Pick<
  ReturnType<typeof useProblem>,
  "run"
>) {
  const { client } = useAuth();
  const [passkeys, setPasskeys] = useState<Passkey[]>([]);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");

  const load = useCallback(async () => setPasskeys(await listPasskeys(client)), [client]);
  useEffect(() => {
    void run(load);
  }, [run, load]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const factor = totpOn ? secondFactorFrom(code) : undefined;
    const added = await run(async () => {
      await addPasskey(client, { name, password, factor });
      // The list shows the new passkey as the inputs clear (one render, after every request).
      const [listed] = await Promise.all([listPasskeys(client), onChanged()]);
      setPasskeys(listed);
    });
    if (added) {
      setName("");
      setPassword("");
      setCode("");
    }
  };
  const remove = (passkey: Passkey) =>
    run(async () => {
      await removePasskey(client, passkey.id);
      await Promise.all([load(), onChanged()]);
    });

  return (
    <div>
      <h2>Passkeys</h2>
      <ul data-testid="passkeys">
        {passkeys.map((passkey) => (
          <li key={passkey.id} data-testid="passkey">
            <span className="name">{passkey.name}</span>
            <span>
              {passkey.last_used_at
                ? `last used ${new Date(passkey.last_used_at).toLocaleString()}`
                : "never used"}
            </span>
            <button data-testid="passkey-remove" onClick={() => remove(passkey)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <label>
          Name of the new passkey
          <input
            data-testid="passkey-name"
            placeholder="Passkey"
            maxLength={64}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <CurrentPasswordField label="Password" testId="passkey-password" value={password} onChange={setPassword} />
        {totpOn && <SecondFactorField testId="passkey-code" value={code} onChange={setCode} />}
        <button data-testid="passkey-add" type="submit">
          Add a passkey
        </button>
      </form>
    </div>
  );
}
