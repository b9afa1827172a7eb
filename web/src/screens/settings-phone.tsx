import { useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { get } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { type Profile, useProfile, useSaveProfile } from './settings-account.tsx';
import {
  AdminOnly,
  Field,
  FieldError,
  type FormErrors,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
} from './settings-ui.tsx';
import { PhoneVerification } from './settings-verify.tsx';

type Plan = { code: string; name: string; features: Record<string, boolean> };

/** The account's plan from the public plan list (GET /api/v1/plans), to say whether voice callback is in it. */
function usePlan(code: string) {
  const plans = useQuery({
    queryKey: ['plans'],
    queryFn: () => get<{ data: Plan[] }>('/plans'),
    staleTime: 30 * 60_000,
  });
  return plans.data?.data.find((p) => p.code === code);
}

export function PhoneSection() {
  const profile = useProfile();
  if (profile.isPending) return <Loading rows={4} label="Loading your phone settings…" />;
  if (profile.isError) return <LoadFailed error={profile.error} retry={() => profile.refetch()} />;
  return <PhoneForm profile={profile.data} />;
}

/** A checkbox with its label beside it, a hint and its error. */
function Check(props: {
  form: FormErrors;
  name: string;
  label: ReactNode;
  hint: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const input = props.form.props(props.name, true);
  return (
    <div className="settings-check">
      <input
        type="checkbox"
        {...input}
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <div>
        <label htmlFor={input.id}>{props.label}</label>
        <p id={`${input.id}-hint`} className="settings-hint">
          {props.hint}
        </p>
        <FieldError id={`${input.id}-err`} message={props.form.message(props.name)} />
      </div>
    </div>
  );
}

function PhoneForm({ profile }: { profile: Profile }) {
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const form = useFormErrors(['phone', 'smsOptIn', 'voiceCallback']);
  const [phone, setPhone] = useState(profile.phone ?? '');
  const [smsOptIn, setSmsOptIn] = useState(profile.smsOptIn);
  const [voiceCallback, setVoiceCallback] = useState(profile.voiceCallback);
  const plan = usePlan(profile.planCode);
  const save = useSaveProfile(form.report);
  const phoneChanged = (phone.trim() || null) !== profile.phone;
  const changed = phoneChanged || smsOptIn !== profile.smsOptIn || voiceCallback !== profile.voiceCallback;

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    save.mutate(
      { phone: phone.trim() || null, smsOptIn, voiceCallback },
      {
        onSuccess: (saved) => {
          setPhone(saved.phone ?? '');
          toast.show(saved.phone && !saved.phoneVerified ? 'Saved: now verify your phone' : 'Saved');
        },
      },
    );
  }

  const voiceHint =
    plan?.features.voiceCallback === true
      ? `Included in your ${plan.name} plan: Porchlight calls you and, when you answer, connects you to the lead.`
      : plan
        ? `Needs a plan with voice callback, and your ${plan.name} plan doesn't include it: you can switch it on now, and calls start once you upgrade.`
        : 'Porchlight calls you and, when you answer, connects you to the lead. Needs a plan with voice callback.';

  return (
    <div className="settings-stack">
      <form onSubmit={submit} className="settings-form" noValidate>
        {isAdmin ? null : (
          <AdminOnly>Only admins and owners can change the account's phone and alerts.</AdminOnly>
        )}
        <fieldset disabled={!isAdmin} className="settings-fieldset">
          <legend className="sr-only">Phone and alerts</legend>
          <Field
            form={form}
            name="phone"
            label="Your mobile phone"
            hint="Alerts are texted here, and the voice callback rings it. Changing it means verifying it again."
          >
            {(p) => (
              <input
                {...p}
                type="tel"
                value={phone}
                onChange={(e) => setPhone(e.target.value)}
                autoComplete="tel"
                inputMode="tel"
                maxLength={32}
                placeholder="+1 512 555 0100"
              />
            )}
          </Field>
          <Check
            form={form}
            name="smsOptIn"
            label="Text me new leads"
            hint="A short text with the lead's name and how to reach them, the moment they come in."
            checked={smsOptIn}
            onChange={setSmsOptIn}
          />
          <Check
            form={form}
            name="voiceCallback"
            label="Ring me for each new lead"
            hint={voiceHint}
            checked={voiceCallback}
            onChange={setVoiceCallback}
          />
        </fieldset>
        {isAdmin ? (
          <div className="settings-actions">
            <button type="submit" className="primary" disabled={save.isPending || !changed}>
              {save.isPending ? 'Saving…' : 'Save phone and alerts'}
            </button>
          </div>
        ) : null}
      </form>
      <PhoneVerification profile={profile} pendingChange={phoneChanged} />
    </div>
  );
}
