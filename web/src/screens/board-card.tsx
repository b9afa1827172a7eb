import { type DragEvent, type FormEvent, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Lead, LeadStatus } from '../api.ts';
import { BOARD_STATUSES } from './board-data.ts';
import { fullTime, humanize, leadName, STATUS_LABELS, timeAgo } from './lead-format.ts';

export const DRAG_TYPE = 'application/x-porchlight-lead';

type CardProps = {
  lead: Lead;
  assignee: string | null;
  dragging: boolean;
  wantsFocus: boolean;
  onFocused: () => void;
  onDragStart: (lead: Lead) => void;
  onDragEnd: () => void;
  onMove: (lead: Lead, to: LeadStatus) => void;
};

/** One lead on the board: a link to it, dragged to move it, or moved with its "Move to…" menu. */
export function BoardCard(props: CardProps) {
  const { lead, assignee, dragging, wantsFocus, onFocused } = props;
  const name = leadName(lead);
  const select = useRef<HTMLSelectElement>(null);
  // After a move the card is drawn in its new column: the keyboard user keeps their place.
  useEffect(() => {
    if (!wantsFocus) return;
    select.current?.focus();
    onFocused();
  }, [wantsFocus, onFocused]);

  function dragStart(e: DragEvent) {
    e.dataTransfer.setData(DRAG_TYPE, lead.id);
    e.dataTransfer.setData('text/plain', name);
    e.dataTransfer.effectAllowed = 'move';
    props.onDragStart(lead);
  }
  const moveId = `move-${lead.id}`;
  return (
    <li
      className={`board-card${dragging ? ' dragging' : ''}`}
      aria-label={name}
      draggable
      onDragStart={dragStart}
      onDragEnd={props.onDragEnd}
    >
      <h3>
        <Link to={`/leads/${lead.id}`} draggable={false}>
          {name}
        </Link>
      </h3>
      <p className="muted small meta">
        {humanize(lead.source)} ·{' '}
        <time dateTime={lead.createdAt} title={fullTime(lead.createdAt)}>
          {timeAgo(lead.createdAt)}
        </time>
      </p>
      <p className="row tight small tags">
        {lead.isHeld ? <span className="badge held">Held</span> : null}
        {lead.aiScore !== null ? <span className="badge score">Score {lead.aiScore}</span> : null}
        <span className="muted">{assignee ?? 'Unassigned'}</span>
      </p>
      <label htmlFor={moveId} className="sr-only">
        Move {name} to
      </label>
      <select
        id={moveId}
        ref={select}
        value=""
        onChange={(e) => e.target.value && props.onMove(lead, e.target.value as LeadStatus)}
      >
        <option value="">Move to…</option>
        {BOARD_STATUSES.filter((s) => s !== lead.status).map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </select>
    </li>
  );
}

/** Asked before a lead becomes lost: the reason is required. Shown at the top of the Lost column. */
export function LostPrompt({
  lead,
  onConfirm,
  onCancel,
}: {
  lead: Lead;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const id = `lost-${lead.id}`;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (reason.trim()) onConfirm(reason.trim());
  }
  return (
    <li className="board-card lost-prompt" aria-label={`${leadName(lead)}: why was it lost?`}>
      <form onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
        <label htmlFor={id}>Why was {leadName(lead)} lost?</label>
        <input
          id={id}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={500}
          required
          placeholder="e.g. chose another agent"
          // biome-ignore lint/a11y/noAutofocus: the prompt opens because the user just moved the card here
          autoFocus
        />
        <div className="row tight">
          <button type="submit" className="primary" disabled={!reason.trim()}>
            Mark lost
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </li>
  );
}
