import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { get } from '../api.ts';
import { SavedRepliesPart } from './settings-saved-replies.tsx';
import { type Slot, TEMPLATES_KEY, TemplateEditor, type Templates } from './settings-template-editor.tsx';
import { AdminOnly, humanize, LoadFailed, Loading, useIsAdmin } from './settings-ui.tsx';

const slotKey = (s: Pick<Slot, 'channel' | 'kind' | 'pageKind'>) =>
  `${s.channel}:${s.kind}:${s.pageKind ?? '*'}`;

const GROUPS: { channel: Slot['channel']; kind: Slot['kind']; title: string; about: string }[] = [
  {
    channel: 'email',
    kind: 'autoresponder',
    title: 'Email autoresponder',
    about: 'Emailed to every new lead who gave an email address.',
  },
  {
    channel: 'sms',
    kind: 'autoresponder',
    title: 'Text autoresponder',
    about: 'Texted to a new lead who gave a phone number and agreed to texts (never in their quiet hours).',
  },
  {
    channel: 'sms',
    kind: 'missed_call_text_back',
    title: 'Missed-call text-back',
    about: 'Texted to a caller whose call to your number went unanswered.',
  },
];

const slotTitle = (s: Slot) =>
  s.kind === 'missed_call_text_back'
    ? 'Every missed call'
    : s.pageKind
      ? `${humanize(s.pageKind)} pages`
      : 'Every page without its own wording';

/**
 * Every use the account may word itself (one per channel, kind and page kind, as the server's
 * defaults list them, plus any of the account's own beyond those), grouped by what it is for.
 */
function slotsOf(t: Templates): Slot[] {
  const own = new Map(t.data.map((x) => [slotKey(x), x]));
  const slots: Slot[] = t.defaults.map((d) => ({ ...d, fallback: d, template: own.get(slotKey(d)) ?? null }));
  const known = new Set(slots.map(slotKey));
  for (const x of t.data) {
    if (!known.has(slotKey(x))) slots.push({ ...x, fallback: null, template: x });
  }
  return slots;
}

export function TemplatesSection() {
  const templates = useQuery({ queryKey: TEMPLATES_KEY, queryFn: () => get<Templates>('/templates') });
  const isAdmin = useIsAdmin();
  if (templates.isPending) return <Loading rows={5} label="Loading the templates…" />;
  if (templates.isError) return <LoadFailed error={templates.error} retry={() => templates.refetch()} />;
  const slots = slotsOf(templates.data);
  return (
    <div className="settings-stack">
      {isAdmin ? (
        <p className="settings-hint">
          Leave a template empty to use the built-in wording (shown greyed in the field). Variables such as{' '}
          <code>{'{{lead.firstName}}'}</code> are filled in for each lead.
        </p>
      ) : (
        <AdminOnly>
          Only admins and owners can change the automatic messages' wording; anyone on the team can add saved
          replies (below).
        </AdminOnly>
      )}
      {GROUPS.map((g) => (
        <Group
          key={`${g.channel}:${g.kind}`}
          title={g.title}
          about={g.about}
          slots={slots.filter((s) => s.channel === g.channel && s.kind === g.kind)}
          variables={templates.data.variables}
        />
      ))}
      <SavedRepliesPart />
    </div>
  );
}

function Group(props: { title: string; about: string; slots: Slot[]; variables: string[] }) {
  const headingId = useId();
  if (props.slots.length === 0) return null;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{props.title}</h3>
      <p className="settings-hint">{props.about}</p>
      <div className="settings-templates">
        {props.slots.map((s) => (
          <details key={slotKey(s)} className="settings-template">
            <summary>
              <span className="settings-summary-title">{slotTitle(s)}</span>
              <span className={`settings-badge ${s.template ? 'ok' : ''}`}>
                {s.template ? 'Your wording' : 'Built-in'}
              </span>
            </summary>
            <TemplateEditor slot={s} variables={props.variables} />
          </details>
        ))}
      </div>
    </section>
  );
}
