import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { type PageCopy, type PageKind, post } from '../api.ts';
import './page-preview.css';

/** What the preview renders: the page being edited and, for the branding editor, unsaved branding. */
export type PreviewDraft = {
  page: Partial<PageCopy> & { kind: PageKind; slug?: string };
  branding?: Record<string, unknown>;
};

const WIDTHS = { desktop: 1200, phone: 390 } as const;
type Device = keyof typeof WIDTHS;

/** `value`, once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the serialized value is the dependency
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return settled;
}

/** The preview frame's width in CSS pixels, followed as the window changes. */
function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** Fields the API refuses while a draft is half typed (an empty slug) are left out of the preview. */
function clean(draft: PreviewDraft): PreviewDraft {
  const page = Object.fromEntries(
    Object.entries(draft.page).filter(
      ([k, v]) => !(k === 'slug' && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(String(v))),
    ),
  ) as PreviewDraft['page'];
  return { ...draft, page };
}

/**
 * The live preview: the page as the public site renders it (POST /pages/preview, the same
 * templates), in a sandboxed frame that runs no script and sends no form, redrawn a moment
 * after the typing stops. Shown at a desktop or a phone width, scaled to fit its column.
 */
export function PagePreview({ draft, label = 'Preview' }: { draft: PreviewDraft; label?: string }) {
  // A phone shows the phone's layout first.
  const [device, setDevice] = useState<Device>(() =>
    window.matchMedia('(max-width: 760px)').matches ? 'phone' : 'desktop',
  );
  const [view, setView] = useState<'form' | 'thanks'>('form');
  const settled = useSettled(clean(draft), 300);
  const preview = useQuery({
    queryKey: ['page-preview', settled, view],
    queryFn: () => post<{ html: string }>('/pages/preview', { ...settled, view }),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const frameWidth = WIDTHS[device];
  const scale = width ? Math.min(1, width / frameWidth) : 1;
  const headingId = useId();

  return (
    <section className="page-preview" aria-labelledby={headingId}>
      <div className="page-preview-bar">
        <h2 id={headingId}>{label}</h2>
        <fieldset className="segmented">
          <legend className="sr-only">Which page</legend>
          <Choice name={`${headingId}-view`} value="form" current={view} set={setView}>
            Form
          </Choice>
          <Choice name={`${headingId}-view`} value="thanks" current={view} set={setView}>
            Thank-you page
          </Choice>
        </fieldset>
        <fieldset className="segmented">
          <legend className="sr-only">Screen size</legend>
          <Choice name={`${headingId}-device`} value="desktop" current={device} set={setDevice}>
            Desktop
          </Choice>
          <Choice name={`${headingId}-device`} value="phone" current={device} set={setDevice}>
            Phone
          </Choice>
        </fieldset>
      </div>
      {preview.isError ? (
        <p className="page-preview-problem" role="status">
          Preview not updated: {preview.error.message}
        </p>
      ) : null}
      <div
        ref={box}
        className="page-preview-box"
        data-device={device}
        aria-busy={preview.isFetching || undefined}
      >
        {preview.data ? (
          <iframe
            title={`${label}: how visitors see this page`}
            // No script, no form posts, no navigation of the dashboard: only what the page shows.
            sandbox=""
            srcDoc={preview.data.html}
            style={{
              width: frameWidth,
              height: `${100 / scale}%`,
              transform: `scale(${scale})`,
            }}
          />
        ) : (
          <p className="muted page-preview-wait">{preview.isError ? '' : 'Drawing the preview…'}</p>
        )}
      </div>
    </section>
  );
}

function Choice<T extends string>(props: {
  name: string;
  value: T;
  current: T;
  set: (v: T) => void;
  children: React.ReactNode;
}) {
  const id = `${props.name}-${props.value}`;
  return (
    <>
      <input
        type="radio"
        id={id}
        name={props.name}
        value={props.value}
        checked={props.current === props.value}
        onChange={() => props.set(props.value)}
      />
      <label htmlFor={id}>{props.children}</label>
    </>
  );
}
