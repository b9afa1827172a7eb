import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type ApiError, get, post, upload } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { ConfirmButton, FormProblem, LoadFailed, Loading, useIsAdmin, When } from './settings-ui.tsx';

type RowErrors = { row: number; errors: { path: string; message: string }[] };
type Import = {
  id: string;
  kind: 'leads' | 'contacts';
  status: 'receiving' | 'queued' | 'running' | 'completed' | 'failed' | 'undone';
  preset: string | null;
  fileName?: string | null;
  totalRows: number;
  processedRows: number;
  imported: number;
  merged: number;
  rejected?: RowErrors[];
  rejectedCount: number;
  createdAt: string;
  completedAt: string | null;
  undoneAt: string | null;
};

const IMPORTS_KEY = ['imports'] as const;

/** The layouts the server maps (imports/presets.ts); "Detect" lets it read the header row. */
const PRESETS = [
  { value: '', label: 'Detect from the header row' },
  { value: 'follow_up_boss', label: 'Follow Up Boss export' },
  { value: 'zillow', label: 'Zillow Premier Agent export' },
  { value: 'kvcore', label: 'kvCORE export' },
  { value: 'porchlight', label: 'Porchlight export' },
  { value: 'generic', label: 'Any other spreadsheet' },
];

const STATUS_LABEL: Record<Import['status'], string> = {
  receiving: 'Uploading',
  queued: 'Waiting to start',
  running: 'Importing',
  completed: 'Done',
  failed: 'Failed',
  undone: 'Undone',
};

const busy = (i: Import) => i.status === 'receiving' || i.status === 'queued' || i.status === 'running';

/**
 * Bring leads and contacts in from a CSV (another CRM's export or a sheet), follow the import,
 * undo it as a whole; take them out as CSV; admins download the whole account as a zip.
 */
export function DataSection() {
  const isAdmin = useIsAdmin();
  const imports = useQuery({
    queryKey: IMPORTS_KEY,
    queryFn: () => get<{ data: Import[] }>('/imports?limit=10'),
    refetchInterval: (q) => (q.state.data?.data.some(busy) ? 1000 : false),
  });
  return (
    <div className="settings-stack">
      <ImportForm />
      <section aria-labelledby="data-imports">
        <h3 id="data-imports">Recent imports</h3>
        {imports.isPending ? (
          <Loading rows={2} label="Loading the imports…" />
        ) : imports.isError ? (
          <LoadFailed error={imports.error} retry={() => imports.refetch()} />
        ) : imports.data.data.length === 0 ? (
          <p className="settings-hint">
            No imports yet. Duplicates of people you already have are merged, not doubled.
          </p>
        ) : (
          <ul className="settings-list">
            {imports.data.data.map((i) => (
              <ImportRow key={i.id} item={i} canUndo={isAdmin} />
            ))}
          </ul>
        )}
      </section>
      <Exports isAdmin={isAdmin} />
    </div>
  );
}

function ImportForm() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const formId = useId();
  const [kind, setKind] = useState<'leads' | 'contacts'>('leads');
  const [preset, setPreset] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const send = useMutation({
    mutationFn: () =>
      upload<Import>(`/${kind}/import${preset ? `?preset=${preset}` : ''}`, file!, 'text/csv'),
    onSuccess: (i) => {
      setFile(null);
      setInputKey((k) => k + 1);
      toast.show(
        busy(i)
          ? 'Import started: it carries on while you work'
          : `Imported ${i.imported}, merged ${i.merged}, ${i.rejectedCount} rows not imported`,
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: IMPORTS_KEY }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (file) send.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={`${formId}-h`}>
      <h3 id={`${formId}-h`}>Import a CSV</h3>
      <div className="settings-grid">
        <label>
          What it holds
          <select value={kind} onChange={(e) => setKind(e.target.value as 'leads' | 'contacts')}>
            <option value="leads">Leads</option>
            <option value="contacts">Contacts (people who are not leads)</option>
          </select>
        </label>
        <label>
          Where it comes from
          <select value={preset} onChange={(e) => setPreset(e.target.value)}>
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        File
        <input
          key={inputKey}
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          aria-describedby={`${formId}-hint`}
        />
      </label>
      <p id={`${formId}-hint`} className="settings-hint">
        The first row names the columns. Any number of rows; rows with problems are listed and the rest
        imported.
      </p>
      <FormProblem message={send.isError ? (send.error as ApiError).message : null} />
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={!file || send.isPending}>
          {send.isPending ? 'Uploading…' : 'Import'}
        </button>
      </div>
    </form>
  );
}

function ImportRow({ item, canUndo }: { item: Import; canUndo: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const report = useQuery({
    queryKey: ['import', item.id, item.status],
    queryFn: () => get<Import>(`/imports/${item.id}`),
    enabled: open,
  });
  const undo = useMutation({
    mutationFn: () => post(`/imports/${item.id}/undo`),
    onSuccess: () => toast.show('Import undone'),
    onError: toast.error,
    onSettled: () => queryClient.invalidateQueries({ queryKey: IMPORTS_KEY }),
  });
  const rejected = report.data?.rejected ?? item.rejected ?? [];
  return (
    <li className="settings-row">
      <div className="settings-row-main">
        <strong className="settings-title">
          {item.kind === 'leads' ? 'Leads' : 'Contacts'}
          {item.fileName ? <span className="settings-break"> · {item.fileName}</span> : null}
          <span className="settings-badge">{STATUS_LABEL[item.status]}</span>
        </strong>
        {busy(item) ? (
          <progress
            className="settings-progress"
            max={Math.max(item.totalRows, 1)}
            value={item.processedRows}
            aria-label={`${item.processedRows} of ${item.totalRows} rows`}
          />
        ) : null}
        <dl className="settings-figures">
          <div>
            <dt>Rows</dt>
            <dd>{item.totalRows}</dd>
          </div>
          <div>
            <dt>New</dt>
            <dd>{item.imported}</dd>
          </div>
          <div>
            <dt>Merged</dt>
            <dd>{item.merged}</dd>
          </div>
          <div>
            <dt>Not imported</dt>
            <dd>{item.rejectedCount}</dd>
          </div>
        </dl>
        <span className="settings-hint">
          Started <When iso={item.createdAt} withTime />
        </span>
      </div>
      <div className="settings-row-actions">
        {item.rejectedCount > 0 ? (
          <button
            type="button"
            onClick={() => setOpen((o) => !o)}
            aria-expanded={open}
            aria-controls={detailId}
          >
            Problems
          </button>
        ) : null}
        {canUndo && item.status === 'completed' ? (
          <ConfirmButton
            label="Undo"
            question="Undo this import? People it added are deleted and what it filled in is emptied again."
            confirmLabel="Yes, undo"
            busyLabel="Undoing…"
            onConfirm={() => undo.mutateAsync()}
          />
        ) : null}
      </div>
      <div id={detailId} className="settings-row-detail" hidden={!open}>
        {open && report.isPending ? <Loading rows={2} label="Loading the report…" /> : null}
        {open && rejected.length > 0 ? (
          <table className="settings-table">
            <caption className="sr-only">Rows not imported</caption>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {rejected.map((r) => (
                <tr key={r.row}>
                  <td>{r.row}</td>
                  <td>{r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </li>
  );
}

function Exports({ isAdmin }: { isAdmin: boolean }) {
  return (
    <section className="settings-card" aria-labelledby="data-exports">
      <h3 id="data-exports">Export</h3>
      <p className="settings-hint">
        Spreadsheet-safe CSV files that import back into Porchlight or another CRM.
      </p>
      <div className="settings-actions">
        <a className="button" href="/api/v1/leads/export" download>
          Download leads (CSV)
        </a>
        <a className="button" href="/api/v1/contacts/export" download>
          Download contacts (CSV)
        </a>
      </div>
      {isAdmin ? (
        <>
          <p className="settings-hint">
            Everything the account holds — leads, their timelines, messages, calls, pages, settings — as one
            zip of JSON Lines files. Your data is yours.
          </p>
          <div className="settings-actions">
            <a className="button" href="/api/v1/account/export" download>
              Download all account data (zip)
            </a>
          </div>
        </>
      ) : null}
    </section>
  );
}
