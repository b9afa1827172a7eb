/**
 * The board's data: one list call per column (GET /leads?status=…&limit=50, so every column
 * shows its own newest 50 whatever the others hold) plus GET /leads/counts for the headings, and
 * the move: a PATCH applied to the cache first and undone if the server refuses it.
 */
import { type QueryClient, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, LEAD_STATUSES, type Lead, type LeadList, type LeadStatus, patch } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { leadName, STATUS_LABELS } from './lead-format.ts';

export const BOARD_STATUSES = LEAD_STATUSES.filter((s) => s !== 'spam');
export const COLUMN_LIMIT = 50;
type Counts = { byStatus: Record<LeadStatus, number>; held: number };

// Under ['leads'], so whatever invalidates the lists (a change on the detail screen) refreshes these too.
const columnKey = (status: LeadStatus) => ['leads', 'board', status] as const;
const COUNTS_KEY = ['leads', 'counts'] as const;
const MOVE_KEY = ['move-lead'] as const;

export function useBoard() {
  const columns = useQueries({
    queries: BOARD_STATUSES.map((status) => ({
      queryKey: columnKey(status),
      queryFn: () => get<LeadList>(`/leads?status=${status}&limit=${COLUMN_LIMIT}`),
    })),
  });
  const counts = useQuery({ queryKey: COUNTS_KEY, queryFn: () => get<Counts>('/leads/counts') });
  return { columns, counts };
}

const newestFirst = (a: Lead, b: Lead) => b.createdAt.localeCompare(a.createdAt);

/** Moves a lead between two columns in the cache (and the counts with it). */
function applyMove(qc: QueryClient, lead: Lead, from: LeadStatus, to: LeadStatus) {
  qc.setQueryData<LeadList>(columnKey(from), (old) =>
    old ? { ...old, data: old.data.filter((l) => l.id !== lead.id) } : old,
  );
  qc.setQueryData<LeadList>(columnKey(to), (old) =>
    old
      ? {
          ...old,
          data: [...old.data.filter((l) => l.id !== lead.id), { ...lead, status: to }].sort(newestFirst),
        }
      : old,
  );
  qc.setQueryData<Counts>(COUNTS_KEY, (old) =>
    old
      ? {
          ...old,
          byStatus: {
            ...old.byStatus,
            [from]: Math.max(0, old.byStatus[from] - 1),
            [to]: old.byStatus[to] + 1,
          },
        }
      : old,
  );
}

export type Move = { lead: Lead; to: LeadStatus; lostReason?: string };

/** Changes a lead's status at once on the board; a refusal puts the card back and says why. */
export function useMoveLead() {
  const qc = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationKey: MOVE_KEY,
    mutationFn: ({ lead, to, lostReason }: Move) =>
      patch<Lead>(`/leads/${lead.id}`, to === 'lost' ? { status: to, lostReason } : { status: to }),
    onMutate: async ({ lead, to }: Move) => {
      // A list answer arriving now would still show the card where it was.
      await qc.cancelQueries({ queryKey: ['leads'] });
      applyMove(qc, lead, lead.status, to);
    },
    onSuccess: (_saved, { lead, to }) => toast.show(`${leadName(lead)} moved to ${STATUS_LABELS[to]}`),
    onError: (e, { lead, to }) => {
      // Undo this move only (not a snapshot), so other moves made meanwhile stay.
      applyMove(qc, { ...lead, status: to }, to, lead.status);
      toast.show(
        `Could not move ${leadName(lead)} to ${STATUS_LABELS[to]}: ${e instanceof Error ? e.message : 'something went wrong'}`,
        'error',
      );
    },
    onSettled: async (_d, _e, { lead }) => {
      await qc.invalidateQueries({ queryKey: ['lead', lead.id] });
      // While other moves are under way, a refetch would draw their cards back where they were.
      if (qc.isMutating({ mutationKey: MOVE_KEY }) === 1) await qc.invalidateQueries({ queryKey: ['leads'] });
    },
  });
}
