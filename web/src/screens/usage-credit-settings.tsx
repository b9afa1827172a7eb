/**
 * The credit wallet's settings (admins): a daily spending limit and auto-recharge, saved with
 * PATCH /api/v1/credits/settings. Each problem shows next to its field, whether this form or
 * the server found it.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { ApiError, type FieldError, patch } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { Field, useFormErrors } from './settings-ui.tsx';
import { bundleText, CREDITS_KEY, useBundles, type Wallet } from './usage-credit-data.ts';

type SettingsBody = { dailyLimit: number | null; autoRecharge: { below: number; bundle: string } | null };

const FIELDS = ['dailyLimit', 'autoRecharge.below', 'autoRecharge.bundle'];
const isWhole = (s: string) => /^\d+$/.test(s.trim());

/** `checkoutAvailable`: the server takes payments; without, auto-recharge cannot be turned on. */
export function CreditSettings({
  wallet,
  checkoutAvailable,
}: {
  wallet: Wallet;
  checkoutAvailable: boolean;
}) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const form = useFormErrors(FIELDS);
  const title = useId();
  const checkId = useId();
  const [limit, setLimit] = useState(wallet.dailyLimit?.toString() ?? '');
  const [recharge, setRecharge] = useState(wallet.autoRecharge !== null);
  const [below, setBelow] = useState(String(wallet.autoRecharge?.below ?? 100));
  const bundles = useBundles();
  const [bundle, setBundle] = useState<string>(wallet.autoRecharge?.bundle ?? 'credits_2000');

  /** The field error, and focus on the first field it names. */
  function report(e: unknown) {
    form.report(e);
    if (!(e instanceof ApiError)) return;
    const first = FIELDS.find((f) => e.fieldError(f));
    if (first) document.getElementById(form.props(first).id)?.focus();
  }

  const save = useMutation({
    mutationFn: (body: SettingsBody) => patch<Wallet>('/credits/settings', body),
    onSuccess: (saved) => {
      queryClient.setQueryData(CREDITS_KEY, saved);
      toast.show('Credit settings saved');
    },
    onError: report,
  });

  const saved = wallet.autoRecharge;
  const changed =
    limit.trim() !== (wallet.dailyLimit?.toString() ?? '') ||
    recharge !== (saved !== null) ||
    (recharge && (below.trim() !== String(saved?.below) || bundle !== saved?.bundle));

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    const errors: FieldError[] = [];
    if (limit.trim() && (!isWhole(limit) || Number(limit) < 1)) {
      errors.push({
        path: 'dailyLimit',
        message: 'Enter a whole number above 0, or leave it empty for no limit',
      });
    }
    if (recharge && !isWhole(below)) {
      errors.push({ path: 'autoRecharge.below', message: 'Enter a whole number, 0 or more' });
    }
    if (errors.length > 0) {
      report(new ApiError(422, 'Check the highlighted fields', undefined, errors));
      return;
    }
    save.mutate({
      dailyLimit: limit.trim() ? Number(limit) : null,
      autoRecharge: recharge ? { below: Number(below), bundle } : null,
    });
  }

  return (
    <form
      className="usage-credit-block usage-credit-settings"
      onSubmit={submit}
      noValidate
      aria-labelledby={title}
    >
      <h3 id={title}>Limits and auto-recharge</h3>
      <Field
        form={form}
        name="dailyLimit"
        label="Daily limit (credits)"
        hint="Spending stops for the day once it is reached (days are UTC). Empty for no limit."
      >
        {(p) => (
          <input
            {...p}
            className="usage-number"
            inputMode="numeric"
            autoComplete="off"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
          />
        )}
      </Field>
      <div className="settings-check">
        <input
          id={checkId}
          type="checkbox"
          checked={recharge}
          disabled={!checkoutAvailable && !recharge}
          aria-describedby={checkoutAvailable ? undefined : `${checkId}-hint`}
          onChange={(e) => setRecharge(e.target.checked)}
        />
        <label htmlFor={checkId}>Buy credits automatically when the balance runs low</label>
      </div>
      {checkoutAvailable ? null : (
        <p id={`${checkId}-hint`} className="settings-hint">
          Not available: payments are not set up on this server.
        </p>
      )}
      <div className="settings-grid">
        <Field form={form} name="autoRecharge.below" label="When the balance falls below">
          {(p) => (
            <input
              {...p}
              className="usage-number"
              inputMode="numeric"
              autoComplete="off"
              disabled={!recharge}
              value={below}
              onChange={(e) => setBelow(e.target.value)}
            />
          )}
        </Field>
        <Field
          form={form}
          name="autoRecharge.bundle"
          label="Buy"
          hint="Charged to your card saved on Stripe."
        >
          {(p) => (
            <select {...p} disabled={!recharge} value={bundle} onChange={(e) => setBundle(e.target.value)}>
              {bundles.map((b) => (
                <option key={b.code} value={b.code}>
                  {bundleText(b.code, bundles)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={save.isPending || !changed}>
          {save.isPending ? 'Saving…' : 'Save credit settings'}
        </button>
      </div>
    </form>
  );
}
