import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { get, patch } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { AdminOnly, Field, LoadFailed, Loading, useFormErrors, useIsAdmin } from './settings-ui.tsx';

/** GET /api/v1/account: the active account's profile. */
export type Profile = {
  id: string;
  name: string;
  slug: string;
  planCode: string;
  timezone: string;
  licenseNumber: string | null;
  phone: string | null;
  phoneVerified: boolean;
  smsOptIn: boolean;
  voiceCallback: boolean;
};
export type ProfilePatch = Partial<
  Pick<Profile, 'name' | 'timezone' | 'licenseNumber' | 'phone' | 'smsOptIn' | 'voiceCallback'>
>;

export const PROFILE_KEY = ['account', 'profile'] as const;

export function useProfile() {
  return useQuery({ queryKey: PROFILE_KEY, queryFn: () => get<Profile>('/account') });
}

/** PATCH /api/v1/account; the answer replaces the cached profile, and `me` (the account's name) refreshes. */
export function useSaveProfile(onError: (e: unknown) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ProfilePatch) => patch<Profile>('/account', body),
    onSuccess: (saved) => {
      queryClient.setQueryData(PROFILE_KEY, saved);
      return queryClient.invalidateQueries({ queryKey: ['me'] });
    },
    onError,
  });
}

/** Time zones grouped by region ("America", "Europe", …); the current one is kept if the list lacks it. */
function useTimeZoneGroups(current: string): [string, string[]][] {
  return useMemo(() => {
    const zones = Intl.supportedValuesOf('timeZone');
    if (current && !zones.includes(current)) zones.push(current);
    const groups = new Map<string, string[]>();
    for (const zone of zones.sort()) {
      const region = zone.includes('/') ? zone.slice(0, zone.indexOf('/')) : 'Other';
      groups.set(region, [...(groups.get(region) ?? []), zone]);
    }
    return [...groups.entries()];
  }, [current]);
}

export function AccountSection() {
  const profile = useProfile();
  if (profile.isPending) return <Loading rows={4} label="Loading the account…" />;
  if (profile.isError) return <LoadFailed error={profile.error} retry={() => profile.refetch()} />;
  return <AccountForm profile={profile.data} />;
}

function AccountForm({ profile }: { profile: Profile }) {
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const form = useFormErrors(['name', 'timezone', 'licenseNumber']);
  const [name, setName] = useState(profile.name);
  const [timezone, setTimezone] = useState(profile.timezone);
  const [license, setLicense] = useState(profile.licenseNumber ?? '');
  const groups = useTimeZoneGroups(profile.timezone);
  const save = useSaveProfile(form.report);
  const changed =
    name.trim() !== profile.name ||
    timezone !== profile.timezone ||
    (license.trim() || null) !== profile.licenseNumber;

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    save.mutate(
      { name: name.trim(), timezone, licenseNumber: license.trim() || null },
      { onSuccess: () => toast.show('Account saved') },
    );
  }

  return (
    <form onSubmit={submit} className="settings-form" noValidate>
      {isAdmin ? null : <AdminOnly>Only admins and owners can change the account's details.</AdminOnly>}
      <fieldset disabled={!isAdmin} className="settings-fieldset">
        <legend className="sr-only">Account details</legend>
        <Field form={form} name="name" label="Business name" hint="Shown on your pages and in your emails.">
          {(p) => (
            <input
              {...p}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={120}
              required
              autoComplete="organization"
            />
          )}
        </Field>
        <Field
          form={form}
          name="timezone"
          label="Time zone"
          hint="Reports follow it, and so do a lead’s quiet hours when their own time zone is unknown."
        >
          {(p) => (
            <select {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)}>
              {groups.map(([region, zones]) => (
                <optgroup key={region} label={region}>
                  {zones.map((z) => (
                    <option key={z} value={z}>
                      {z.replaceAll('_', ' ')}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          )}
        </Field>
        <Field
          form={form}
          name="licenseNumber"
          label="License number"
          hint="Optional. Shown in your pages' footer unless their branding names another."
        >
          {(p) => (
            <input
              {...p}
              value={license}
              onChange={(e) => setLicense(e.target.value)}
              maxLength={60}
              autoComplete="off"
            />
          )}
        </Field>
      </fieldset>
      <p className="settings-hint">
        Your pages' address: <strong>/p/{profile.slug}</strong> · Plan: <strong>{profile.planCode}</strong>
      </p>
      {isAdmin ? (
        <div className="settings-actions">
          <button type="submit" className="primary" disabled={save.isPending || !changed || !name.trim()}>
            {save.isPending ? 'Saving…' : 'Save account'}
          </button>
        </div>
      ) : null}
    </form>
  );
}
