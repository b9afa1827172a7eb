import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type Ref, useEffect, useId, useRef, useState } from 'react';
import { del, get, patch, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  AdminOnly,
  ConfirmButton,
  Field,
  type FormErrors,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
} from './settings-ui.tsx';

/** One quote from a client, as GET /api/v1/testimonials lists it. */
export type Testimonial = {
  id: string;
  authorName: string;
  quote: string;
  location: string | null;
  rating: number | null;
  sortOrder: number;
  isPublished: boolean;
  createdAt: string;
  updatedAt: string;
};
type Page = { data: Testimonial[]; nextCursor: string | null };
type Wording = Pick<Testimonial, 'authorName' | 'quote' | 'location' | 'rating' | 'isPublished'>;

export const TESTIMONIALS_KEY = ['testimonials'] as const;
/** How many published testimonials a page shows (the server's limit), and how many an account keeps. */
const SHOWN = 6;
const MAX = 100;
const FIELDS = ['authorName', 'quote', 'location', 'rating', 'isPublished', 'sortOrder'];

const byOrder = (a: Testimonial, b: Testimonial) =>
  a.sortOrder - b.sortOrder || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** Every testimonial in display order (the server answers them all at once; a cursor is followed anyway). */
async function fetchAll(): Promise<Testimonial[]> {
  const all: Testimonial[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10; pages++) {
    const page: Page = await get<Page>(
      `/testimonials${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    all.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return all.sort(byOrder);
}

export function TestimonialsSection() {
  const list = useQuery({ queryKey: TESTIMONIALS_KEY, queryFn: fetchAll });
  const isAdmin = useIsAdmin();
  if (list.isPending) return <Loading rows={4} label="Loading the testimonials…" />;
  if (list.isError) return <LoadFailed error={list.error} retry={() => list.refetch()} />;
  const items = list.data;
  return (
    <div className="settings-stack">
      {isAdmin ? null : <AdminOnly>Only admins and owners can change the testimonials.</AdminOnly>}
      <TestimonialList items={items} />
      {isAdmin ? (
        items.length >= MAX ? (
          <p className="settings-note">
            This account keeps at most {MAX} testimonials: delete one to add another.
          </p>
        ) : (
          <AddForm nextOrder={items.length ? Math.max(...items.map((t) => t.sortOrder)) + 1 : 0} />
        )
      ) : null}
    </div>
  );
}

/**
 * New sort orders for `ordered` (the list as it should be): when the current ones are strictly
 * increasing the two moved items just trade them; otherwise (ties, say) the list is renumbered.
 * Only the items whose order changes are returned.
 */
function reorder(current: Testimonial[], ordered: Testimonial[]): { id: string; sortOrder: number }[] {
  const orders = current.map((t) => t.sortOrder);
  const increasing = orders.every((o, i) => i === 0 || o > orders[i - 1]!);
  const next = increasing ? orders : ordered.map((_, i) => i);
  return ordered.flatMap((t, i) => (t.sortOrder === next[i] ? [] : [{ id: t.id, sortOrder: next[i]! }]));
}

function TestimonialList({ items }: { items: Testimonial[] }) {
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const queryClient = useQueryClient();
  const headingId = useId();
  const hintId = useId();
  const [editing, setEditing] = useState<string | null>(null);
  /** After a move, the button to give focus back to (its row was moved in the DOM). */
  const refocus = useRef<{ id: string; dir: 'up' | 'down' } | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement | null>());
  const editButtons = useRef(new Map<string, HTMLButtonElement | null>());
  /** The row whose editor just closed: its Edit button gets the focus back. */
  const closed = useRef<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: TESTIMONIALS_KEY });

  const move = useMutation({
    // The list moves at once; the server is told one testimonial at a time.
    onMutate: async (changes: { id: string; sortOrder: number }[]) => {
      await queryClient.cancelQueries({ queryKey: TESTIMONIALS_KEY });
      queryClient.setQueryData<Testimonial[]>(TESTIMONIALS_KEY, (old) =>
        old
          ?.map((t) => ({ ...t, sortOrder: changes.find((c) => c.id === t.id)?.sortOrder ?? t.sortOrder }))
          .sort(byOrder),
      );
    },
    mutationFn: async (changes: { id: string; sortOrder: number }[]) => {
      for (const c of changes) await patch<Testimonial>(`/testimonials/${c.id}`, { sortOrder: c.sortOrder });
    },
    onError: toast.error,
    onSettled: refresh,
  });
  const publish = useMutation({
    mutationFn: (t: Testimonial) =>
      patch<Testimonial>(`/testimonials/${t.id}`, { isPublished: !t.isPublished }),
    onSuccess: (t) =>
      toast.show(
        t.isPublished
          ? `Published: ${t.authorName}’s quote can show on your pages`
          : 'Hidden from your pages',
      ),
    onError: toast.error,
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => del(`/testimonials/${id}`),
    onSuccess: () => toast.show('Testimonial deleted'),
    onError: toast.error,
    onSettled: refresh,
  });

  useEffect(() => {
    const want = refocus.current;
    if (!want) return;
    refocus.current = null;
    const index = items.findIndex((t) => t.id === want.id);
    const [same, other] = want.dir === 'up' ? ['up', 'down'] : ['down', 'up'];
    const first = buttons.current.get(`${want.id}:${same}`);
    const target = first && !first.disabled ? first : buttons.current.get(`${want.id}:${other}`);
    if (index >= 0) target?.focus();
  }, [items]);

  function step(index: number, dir: 'up' | 'down') {
    if (move.isPending) return;
    const to = dir === 'up' ? index - 1 : index + 1;
    if (to < 0 || to >= items.length) return;
    const ordered = [...items];
    [ordered[index], ordered[to]] = [ordered[to]!, ordered[index]!];
    refocus.current = { id: items[index]!.id, dir };
    move.mutate(reorder(items, ordered));
  }

  useEffect(() => {
    if (editing || !closed.current) return;
    editButtons.current.get(closed.current)?.focus();
    closed.current = null;
  }, [editing]);

  function closeEditor(id: string) {
    closed.current = id;
    setEditing(null);
  }

  const published = items.filter((t) => t.isPublished);
  const shown = new Set(published.slice(0, SHOWN).map((t) => t.id));

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        Your testimonials{items.length ? ` (${published.length} published of ${items.length})` : ''}
      </h3>
      {items.length === 0 ? (
        <p className="settings-note">
          No testimonials yet.{' '}
          {isAdmin
            ? `Add a quote from a happy client; published ones show on your pages, up to ${SHOWN}.`
            : `An admin can add quotes from happy clients; published ones show on your pages, up to ${SHOWN}.`}
        </p>
      ) : (
        <>
          <p id={hintId} className="settings-hint">
            Your pages show the first {SHOWN} published ones, in this order.
          </p>
          <ol
            className="settings-list settings-testimonials"
            aria-labelledby={headingId}
            aria-describedby={hintId}
          >
            {items.map((t, i) => (
              <li key={t.id} className="settings-row settings-testimonial">
                {editing === t.id ? (
                  <EditForm testimonial={t} onDone={() => closeEditor(t.id)} />
                ) : (
                  <>
                    <div className="settings-row-main">
                      <blockquote className="settings-quote">“{t.quote}”</blockquote>
                      <span className="settings-title">
                        <strong>{t.authorName}</strong>
                        {t.location ? <span className="settings-hint">{t.location}</span> : null}
                        <Stars rating={t.rating} />
                      </span>
                      <span className="settings-title">
                        {t.isPublished ? (
                          shown.has(t.id) ? (
                            <span className="settings-badge ok">Shown on your pages</span>
                          ) : (
                            <span className="settings-badge warn">Published, beyond the first {SHOWN}</span>
                          )
                        ) : (
                          <span className="settings-badge">Hidden</span>
                        )}
                      </span>
                    </div>
                    {isAdmin ? (
                      <div className="settings-row-actions">
                        <MoveButton
                          dir="up"
                          who={t.authorName}
                          disabled={i === 0}
                          busy={move.isPending}
                          onClick={() => step(i, 'up')}
                          buttonRef={(el) => buttons.current.set(`${t.id}:up`, el)}
                        />
                        <MoveButton
                          dir="down"
                          who={t.authorName}
                          disabled={i === items.length - 1}
                          busy={move.isPending}
                          onClick={() => step(i, 'down')}
                          buttonRef={(el) => buttons.current.set(`${t.id}:down`, el)}
                        />
                        <button
                          type="button"
                          disabled={publish.isPending && publish.variables.id === t.id}
                          onClick={() => publish.mutate(t)}
                        >
                          {t.isPublished ? 'Unpublish' : 'Publish'}
                          <Who name={t.authorName} />
                        </button>
                        <button
                          type="button"
                          ref={(el) => {
                            editButtons.current.set(t.id, el);
                          }}
                          onClick={() => setEditing(t.id)}
                        >
                          Edit
                          <Who name={t.authorName} />
                        </button>
                        <ConfirmButton
                          label="Delete"
                          question={`Delete ${t.authorName}’s testimonial?`}
                          confirmLabel="Yes, delete"
                          busyLabel="Deleting…"
                          // The row is gone: the focus goes to the list's heading.
                          onConfirm={() => remove.mutateAsync(t.id).then(() => heading.current?.focus())}
                        />
                      </div>
                    ) : null}
                  </>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** The quote's author, for screen readers, after a button's visible label. */
const Who = ({ name }: { name: string }) => <span className="sr-only"> the quote by {name}</span>;

function MoveButton(props: {
  dir: 'up' | 'down';
  who: string;
  disabled: boolean;
  busy: boolean;
  onClick: () => void;
  buttonRef: (el: HTMLButtonElement | null) => void;
}) {
  return (
    <button
      type="button"
      ref={(el) => {
        props.buttonRef(el);
      }}
      className="settings-move"
      disabled={props.disabled}
      aria-disabled={props.busy || undefined}
      onClick={props.onClick}
      title={props.dir === 'up' ? 'Move up' : 'Move down'}
    >
      <span aria-hidden="true">{props.dir === 'up' ? '↑' : '↓'}</span>
      <span className="sr-only">
        Move {props.dir} the quote by {props.who}
      </span>
    </button>
  );
}

function Stars({ rating }: { rating: number | null }) {
  if (!rating) return null;
  return (
    <span className="settings-stars" role="img" aria-label={`Rated ${rating} of 5`}>
      {'★'.repeat(rating)}
      <span className="settings-stars-off">{'★'.repeat(5 - rating)}</span>
    </span>
  );
}

const RATINGS = [5, 4, 3, 2, 1];

/** The fields a testimonial is written with, shared by the add and edit forms. */
function TestimonialFields(props: {
  form: FormErrors;
  value: Wording;
  onChange: (v: Wording) => void;
  quoteRef?: Ref<HTMLTextAreaElement>;
}) {
  const { form, value: v, onChange } = props;
  const checkId = useId();
  const set = (patch: Partial<Wording>) => onChange({ ...v, ...patch });
  return (
    <>
      <Field form={form} name="quote" label="Quote" hint="In the client’s own words.">
        {(p) => (
          <textarea
            {...p}
            ref={props.quoteRef}
            value={v.quote}
            onChange={(e) => set({ quote: e.target.value })}
            rows={3}
            maxLength={2000}
            required
          />
        )}
      </Field>
      <div className="settings-grid">
        <Field form={form} name="authorName" label="Client’s name" hint="Such as “Jordan P.”">
          {(p) => (
            <input
              {...p}
              value={v.authorName}
              onChange={(e) => set({ authorName: e.target.value })}
              maxLength={120}
              required
              autoComplete="off"
            />
          )}
        </Field>
        <Field form={form} name="location" label="Where" hint="Optional: a neighborhood or town.">
          {(p) => (
            <input
              {...p}
              value={v.location ?? ''}
              onChange={(e) => set({ location: e.target.value })}
              maxLength={120}
              autoComplete="off"
            />
          )}
        </Field>
        <Field form={form} name="rating" label="Rating">
          {(p) => (
            <select
              {...p}
              value={v.rating ?? ''}
              onChange={(e) => set({ rating: e.target.value ? Number(e.target.value) : null })}
            >
              <option value="">No rating</option>
              {RATINGS.map((r) => (
                <option key={r} value={r}>
                  {r} {r === 1 ? 'star' : 'stars'}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="settings-check">
        <input
          id={checkId}
          type="checkbox"
          checked={v.isPublished}
          onChange={(e) => set({ isPublished: e.target.checked })}
        />
        <label htmlFor={checkId}>Publish it on my pages</label>
      </div>
    </>
  );
}

const bodyOf = (v: Wording) => ({
  authorName: v.authorName.trim(),
  quote: v.quote.trim(),
  location: v.location?.trim() || null,
  rating: v.rating,
  isPublished: v.isPublished,
});

const EMPTY: Wording = { authorName: '', quote: '', location: '', rating: null, isPublished: true };

function AddForm({ nextOrder }: { nextOrder: number }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const form = useFormErrors(FIELDS);
  const [value, setValue] = useState<Wording>(EMPTY);
  const quoteRef = useRef<HTMLTextAreaElement>(null);
  const add = useMutation({
    mutationFn: () => post<Testimonial>('/testimonials', { ...bodyOf(value), sortOrder: nextOrder }),
    onSuccess: (t) => {
      setValue(EMPTY);
      toast.show(t.isPublished ? 'Testimonial added to your pages' : 'Testimonial added (hidden)');
      quoteRef.current?.focus();
      return queryClient.invalidateQueries({ queryKey: TESTIMONIALS_KEY });
    },
    onError: form.report,
  });
  const ready = value.quote.trim() && value.authorName.trim();
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (ready) add.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Add a testimonial</h3>
      <TestimonialFields form={form} value={value} onChange={setValue} quoteRef={quoteRef} />
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={add.isPending || !ready}>
          {add.isPending ? 'Adding…' : 'Add testimonial'}
        </button>
      </div>
    </form>
  );
}

function EditForm({ testimonial: t, onDone }: { testimonial: Testimonial; onDone: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const form = useFormErrors(FIELDS);
  const [value, setValue] = useState<Wording>(t);
  const quoteRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => quoteRef.current?.focus(), []);
  const save = useMutation({
    mutationFn: () => patch<Testimonial>(`/testimonials/${t.id}`, bodyOf(value)),
    onSuccess: () => {
      toast.show('Testimonial saved');
      onDone();
      return queryClient.invalidateQueries({ queryKey: TESTIMONIALS_KEY });
    },
    onError: form.report,
  });
  const ready = value.quote.trim() && value.authorName.trim();
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (ready) save.mutate();
  }
  return (
    <form
      onSubmit={submit}
      className="settings-form settings-testimonial-edit"
      aria-labelledby={headingId}
      noValidate
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !save.isPending) onDone();
      }}
    >
      <h4 id={headingId} className="sr-only">
        Edit the quote by {t.authorName}
      </h4>
      <TestimonialFields form={form} value={value} onChange={setValue} quoteRef={quoteRef} />
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={save.isPending || !ready}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onDone} disabled={save.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
