import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type ApiError, LEAD_STATUSES, type LeadStatus, patch } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { type LeadFull, type Member, reportError, STATUS_LABELS } from './lead-format.ts';
import { FieldError, useInvalidateLead } from './lead-forms.tsx';

type Patch = { status?: LeadStatus; lostReason?: string; assignedUserId?: string | null };

function usePatchLead(id: string, onError: (e: unknown) => void) {
  const toast = useToast();
  const invalidate = useInvalidateLead(id);
  return useMutation({
    mutationFn: (body: Patch) => patch(`/leads/${id}`, body),
    onSuccess: () => toast.show('Saved'),
    onError,
    onSettled: invalidate,
  });
}

/** The lead's status; choosing "lost" asks for the reason before anything is saved. */
export function StatusControl({ lead }: { lead: LeadFull }) {
  const toast = useToast();
  const uid = useId();
  const [errors, setErrors] = useState<ApiError | null>(null);
  const [askingLost, setAskingLost] = useState(false);
  const [reason, setReason] = useState('');
  const save = usePatchLead(lead.id, (e) => reportError(e, ['status', 'lostReason'], setErrors, toast.error));
  const shown = askingLost
    ? 'lost'
    : save.isPending && save.variables.status
      ? save.variables.status
      : lead.status;

  function choose(status: LeadStatus) {
    setErrors(null);
    if (status === 'lost') {
      setAskingLost(true);
      return;
    }
    setAskingLost(false);
    if (status !== lead.status) save.mutate({ status });
  }
  function confirmLost(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) return;
    save.mutate(
      { status: 'lost', lostReason: reason.trim() },
      {
        onSuccess: () => {
          setAskingLost(false);
          setReason('');
        },
      },
    );
  }
  const statusError = errors?.fieldError('status');
  const reasonError = errors?.fieldError('lostReason');
  return (
    <div>
      <label htmlFor={`${uid}-status`}>Status</label>
      <select
        id={`${uid}-status`}
        value={shown}
        onChange={(e) => choose(e.target.value as LeadStatus)}
        disabled={save.isPending}
        aria-describedby={statusError ? `${uid}-status-err` : undefined}
      >
        {LEAD_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      <FieldError id={`${uid}-status-err`} message={statusError} />
      {askingLost ? (
        <form onSubmit={confirmLost} className="lost-prompt">
          <label htmlFor={`${uid}-reason`}>Why was it lost?</label>
          <input
            id={`${uid}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={500}
            required
            // biome-ignore lint/a11y/noAutofocus: the field appears because the user just chose "lost"
            autoFocus
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? `${uid}-reason-err` : undefined}
          />
          <FieldError id={`${uid}-reason-err`} message={reasonError} />
          <div className="row">
            <button type="submit" className="primary" disabled={save.isPending || !reason.trim()}>
              Mark lost
            </button>
            <button type="button" onClick={() => setAskingLost(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : lead.status === 'lost' && lead.lostReason ? (
        <p className="muted small">Reason: {lead.lostReason}</p>
      ) : null}
    </div>
  );
}

/** Who works the lead: one of the account's members, or nobody. */
export function AssignControl({ lead, members }: { lead: LeadFull; members: Member[] | undefined }) {
  const toast = useToast();
  const uid = useId();
  const [errors, setErrors] = useState<ApiError | null>(null);
  const save = usePatchLead(lead.id, (e) => reportError(e, ['assignedUserId'], setErrors, toast.error));
  const value = save.isPending ? (save.variables.assignedUserId ?? '') : (lead.assignedUserId ?? '');
  const error = errors?.fieldError('assignedUserId');
  // The assignee is not in the list while it loads, or when they have left the account.
  const current = lead.assignedUserId;
  const unlisted = current && !members?.some((m) => m.userId === current) ? current : null;
  return (
    <div>
      <label htmlFor={`${uid}-assignee`}>Assigned to</label>
      <select
        id={`${uid}-assignee`}
        value={value}
        disabled={save.isPending || !members}
        onChange={(e) => {
          setErrors(null);
          save.mutate({ assignedUserId: e.target.value || null });
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${uid}-assignee-err` : undefined}
      >
        <option value="">Nobody</option>
        {unlisted ? <option value={unlisted}>{members ? 'A former member' : 'Loading…'}</option> : null}
        {members?.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.name || m.email}
          </option>
        ))}
      </select>
      <FieldError id={`${uid}-assignee-err`} message={error} />
    </div>
  );
}
