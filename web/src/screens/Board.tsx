import { useQuery } from '@tanstack/react-query';
import { type DragEvent, useCallback, useState } from 'react';
import { Link } from 'react-router';
import { get, type Lead, type LeadStatus } from '../api.ts';
import { BoardCard, DRAG_TYPE, LostPrompt } from './board-card.tsx';
import { BOARD_STATUSES, COLUMN_LIMIT, useBoard, useMoveLead } from './board-data.ts';
import { type Members, STATUS_LABELS } from './lead-format.ts';
import './lead.css';
import './board.css';

const EMPTY: Record<LeadStatus, string> = {
  new: 'No new leads. Leads from your capture pages land here.',
  contacted: 'Nobody here yet. Once you reach out to a lead, move it here.',
  qualified: 'Move a lead here once you know it is a real buyer or seller.',
  quoted: 'Move a lead here after you send a valuation or a proposal.',
  booked: 'Move a lead here when a meeting or a showing is booked.',
  won: 'No wins yet. Move a lead here when the deal closes.',
  lost: 'No lost leads. Moving one here asks for the reason.',
  spam: '',
};

/** The pipeline: one column per status; drag a card, or use its "Move to…" menu, to change it. */
export function Board() {
  const { columns, counts } = useBoard();
  const move = useMoveLead();
  const members = useQuery({
    queryKey: ['account', 'members'],
    queryFn: () => get<Members>('/account/members'),
    staleTime: 5 * 60_000,
  });
  const [dragging, setDragging] = useState<Lead | null>(null);
  const [over, setOver] = useState<LeadStatus | null>(null);
  const [pendingLost, setPendingLost] = useState<Lead | null>(null);
  // The card whose "Move to…" menu gets the focus once it is drawn in that column (keyboard moves).
  const [focus, setFocus] = useState<{ id: string; status: LeadStatus } | null>(null);
  const clearFocus = useCallback(() => setFocus(null), []);

  const nameOf = (userId: string | null) =>
    userId ? (members.data?.data.find((m) => m.userId === userId)?.name ?? null) : null;

  function moveLead(lead: Lead, to: LeadStatus, fromKeyboard: boolean) {
    if (to === lead.status) return;
    if (to === 'lost') {
      setPendingLost(lead);
      return;
    }
    if (!fromKeyboard) return move.mutate({ lead, to });
    setFocus({ id: lead.id, status: to });
    // Refused, the card goes back to its column: so does the focus.
    move.mutate({ lead, to }, { onError: () => setFocus({ id: lead.id, status: lead.status }) });
  }
  function confirmLost(reason: string) {
    if (!pendingLost) return;
    const lead = pendingLost;
    setFocus({ id: lead.id, status: 'lost' });
    move.mutate(
      { lead, to: 'lost', lostReason: reason },
      { onError: () => setFocus({ id: lead.id, status: lead.status }) },
    );
    setPendingLost(null);
  }
  function cancelLost() {
    if (!pendingLost) return;
    setFocus({ id: pendingLost.id, status: pendingLost.status });
    setPendingLost(null);
  }

  const dropHandlers = (status: LeadStatus) => ({
    onDragOver: (e: DragEvent) => {
      if (!dragging || dragging.status === status || !e.dataTransfer.types.includes(DRAG_TYPE)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      if (over !== status) setOver(status);
    },
    onDragLeave: (e: DragEvent) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(null);
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      setOver(null);
      const lead = dragging;
      setDragging(null);
      if (lead && e.dataTransfer.getData(DRAG_TYPE) === lead.id) moveLead(lead, status, false);
    },
  });

  const loaded = columns.every((c) => c.isSuccess);
  const total = BOARD_STATUSES.reduce(
    (n, s, i) => n + (counts.data?.byStatus[s] ?? columns[i]?.data?.data.length ?? 0),
    0,
  );

  return (
    <div className="board-page">
      <header className="board-header">
        <h1>Board</h1>
        <p className="muted">
          Drag a card to another column to change its status, or use the card's “Move to…” menu. Spam is left
          out.
        </p>
      </header>
      {loaded && total === 0 ? (
        <p className="card board-empty">
          No leads yet. Share one of your capture pages, or add a lead by hand from the{' '}
          <Link to="/leads">inbox</Link>; they show up here in the New column.
        </p>
      ) : null}
      <div className="board">
        {BOARD_STATUSES.map((status, i) => {
          const column = columns[i];
          const leads = (column?.data?.data ?? []).filter((l) => l.id !== pendingLost?.id);
          const count = counts.data?.byStatus[status] ?? column?.data?.data.length;
          const headingId = `board-col-${status}`;
          return (
            <section
              key={status}
              className={`board-col${over === status ? ' over' : ''}`}
              aria-labelledby={headingId}
              {...dropHandlers(status)}
            >
              <h2 id={headingId}>
                {STATUS_LABELS[status]}
                <span className="sr-only">,</span> <span className="count">{count ?? '…'}</span>
                <span className="sr-only">{count === 1 ? ' lead' : ' leads'}</span>
              </h2>
              {column?.isPending ? (
                <ol className="cards" aria-busy="true">
                  <li className="board-card skeleton-card" aria-hidden="true" />
                  <li className="board-card skeleton-card" aria-hidden="true" />
                </ol>
              ) : column?.isError ? (
                <div className="col-error">
                  <p className="field-error">This column could not be loaded.</p>
                  <button type="button" onClick={() => column.refetch()}>
                    Try again
                  </button>
                </div>
              ) : leads.length === 0 && !(status === 'lost' && pendingLost) ? (
                <p className="col-empty muted small">{EMPTY[status]}</p>
              ) : (
                <ol className="cards">
                  {status === 'lost' && pendingLost ? (
                    <LostPrompt lead={pendingLost} onConfirm={confirmLost} onCancel={cancelLost} />
                  ) : null}
                  {leads.map((lead) => (
                    <BoardCard
                      key={lead.id}
                      lead={lead}
                      assignee={nameOf(lead.assignedUserId)}
                      dragging={dragging?.id === lead.id}
                      wantsFocus={focus?.id === lead.id && focus.status === lead.status}
                      onFocused={clearFocus}
                      onDragStart={setDragging}
                      onDragEnd={() => {
                        setDragging(null);
                        setOver(null);
                      }}
                      onMove={(l, to) => moveLead(l, to, true)}
                    />
                  ))}
                </ol>
              )}
              {column?.data?.nextCursor ? (
                <p className="muted small col-more">
                  The newest {COLUMN_LIMIT} of {count}.{' '}
                  <Link to={`/leads?status=${status}`}>See all in the inbox</Link>
                </p>
              ) : null}
            </section>
          );
        })}
      </div>
    </div>
  );
}
