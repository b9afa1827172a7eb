/**
 * The account's AI activity on the Usage screen (admins): this month's model calls in sum and the
 * latest runs (GET /api/v1/ai-runs), each with its lead, model, whose key, result, tokens and cost.
 * No lead details: the log holds ids, and a run links to its lead.
 */
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'react-router';
import { get } from '../api.ts';
import { fullTime, timeAgo } from './lead-format.ts';
import { LoadFailed, Loading } from './settings-ui.tsx';

type AiRun = {
  id: string;
  agent: string;
  action: string;
  leadId: string | null;
  provider: string;
  model: string | null;
  keySource: 'platform' | 'own' | null;
  result: 'running' | 'succeeded' | 'failed' | 'skipped';
  error: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costMicros: number | null;
  durationMs: number | null;
  createdAt: string;
};
type AiRunsAnswer = {
  month: { calls: number; skipped: number; failed: number; tokens: number; costMicros: number };
  data: AiRun[];
};

const numbers = new Intl.NumberFormat();

/** Micro-dollars as dollars: "$0.0004", "$1.27"; under a hundredth of a cent, "< $0.0001". */
export function dollarsOfMicros(micros: number): string {
  if (micros === 0) return '$0';
  if (micros < 100) return '< $0.0001';
  const digits = micros < 10_000 ? 4 : 2;
  return `$${(micros / 1_000_000).toFixed(digits)}`;
}

const ACTIONS: Record<string, string> = { score_lead: 'Scored a lead' };
const REASONS: Record<string, string> = {
  timeout: 'no answer in time',
  unauthorized: 'key refused',
  unavailable: 'provider unavailable',
  malformed_output: 'unusable answer',
  over_limit: 'monthly AI calls used up',
  credentials_unreadable: 'saved key could not be opened',
  error: 'error',
};

function outcome(r: AiRun): string {
  const why = r.error ? (REASONS[r.error] ?? r.error.replace(/_/g, ' ')) : '';
  switch (r.result) {
    case 'succeeded':
      return 'Done';
    case 'running':
      return 'In progress';
    case 'failed':
      return `Failed: ${why}; the built-in score stands`;
    default:
      return `Not called: ${why}; the built-in score stands`;
  }
}

function RunLine({ r }: { r: AiRun }) {
  const action = ACTIONS[r.action] ?? r.action.replace(/_/g, ' ');
  const key = r.keySource === 'own' ? 'your key' : r.keySource === 'platform' ? 'our key' : null;
  const tokens =
    r.inputTokens !== null || r.outputTokens !== null
      ? `${numbers.format((r.inputTokens ?? 0) + (r.outputTokens ?? 0))} tokens`
      : null;
  const facts = [r.model, key, tokens, r.costMicros !== null ? dollarsOfMicros(r.costMicros) : null].filter(
    (f): f is string => Boolean(f),
  );
  return (
    <li className={`usage-ai-run ${r.result}`}>
      <div className="usage-ai-run-head">
        <span>
          {r.leadId ? <Link to={`/leads/${r.leadId}`}>{action}</Link> : action}
          <span className="muted"> · {facts.join(' · ')}</span>
        </span>
        <time dateTime={r.createdAt} title={fullTime(r.createdAt)} className="muted small">
          {timeAgo(r.createdAt)}
        </time>
      </div>
      <p className="usage-ai-run-outcome small">{outcome(r)}</p>
    </li>
  );
}

export function AiActivity() {
  const title = useId();
  const runs = useQuery({ queryKey: ['ai-runs'], queryFn: () => get<AiRunsAnswer>('/ai-runs?limit=20') });
  return (
    <section className="usage-section" aria-labelledby={title}>
      <h2 id={title}>AI activity</h2>
      {runs.isPending ? (
        <Loading rows={3} label="Loading the AI activity…" />
      ) : runs.isError ? (
        <LoadFailed error={runs.error} retry={() => runs.refetch()} />
      ) : runs.data.data.length === 0 ? (
        <p className="muted">
          No AI calls yet. Leads are scored by the built-in scorer; on a paid plan, save your OpenAI key under
          Settings › Provider keys to score them with OpenAI.
        </p>
      ) : (
        <>
          <p>
            This month: <strong>{numbers.format(runs.data.month.calls)}</strong>{' '}
            {runs.data.month.calls === 1 ? 'call' : 'calls'}, {numbers.format(runs.data.month.tokens)} tokens,
            about <strong>{dollarsOfMicros(runs.data.month.costMicros)}</strong> at OpenAI's prices
            {runs.data.month.failed + runs.data.month.skipped > 0
              ? `; ${numbers.format(runs.data.month.failed + runs.data.month.skipped)} fell back to the built-in score`
              : ''}
            .
          </p>
          <ul className="usage-ai-runs">
            {runs.data.data.map((r) => (
              <RunLine key={r.id} r={r} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
