import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { ApiError } from '../api.ts';

type Toast = { id: number; text: string; kind: 'info' | 'error' };
type ToastApi = { show: (text: string, kind?: 'info' | 'error') => void; error: (e: unknown) => void };

const ToastContext = createContext<ToastApi>({ show: () => {}, error: () => {} });

/** Short messages at the bottom right (announced to screen readers): saved, failed with the problem's detail. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const show = useCallback((text: string, kind: 'info' | 'error' = 'info') => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t, { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  const error = useCallback(
    (e: unknown) =>
      show(e instanceof ApiError || e instanceof Error ? e.message : 'Something went wrong', 'error'),
    [show],
  );
  const value = useMemo(() => ({ show, error }), [show, error]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.kind === 'error' ? 'error' : ''}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export const useToast = () => useContext(ToastContext);
