/**
 * Short messages at the bottom of the page (someone changed my card, an error, a notice).
 * Notices are read out politely (role=status), problems at once (role=alert). A toast may
 * offer one action (a button: "Move anyway"); it then stays longer.
 */
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export interface ToastAction {
  label: string;
  run: () => void;
}

interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  action?: ToastAction;
}

type Show = (text: string, kind?: Toast['kind'], action?: ToastAction) => void;

const ToastContext = createContext<Show>(() => {});

export function useToast(): Show {
  return useContext(ToastContext);
}

const SHOWN_MS = 5000;
const WITH_ACTION_MS = 12000;

export function Toasts({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const show = useCallback<Show>(
    (text, kind = 'info', action) => {
      const id = next.current++;
      setToasts((list) => [...list.slice(-3), { id, text, kind, ...(action ? { action } : {}) }]);
      setTimeout(() => dismiss(id), action ? WITH_ACTION_MS : SHOWN_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => show, [show]);
  const list = (kind: Toast['kind']) =>
    toasts
      .filter((t) => t.kind === kind)
      .map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`}>
          <span>{t.text}</span>
          {t.action && (
            <button
              type="button"
              onClick={() => {
                dismiss(t.id);
                t.action!.run();
              }}
            >
              {t.action.label}
            </button>
          )}
        </div>
      ));
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts">
        <div role="status" aria-live="polite" className="toast-list">
          {list('info')}
        </div>
        <div role="alert" className="toast-list">
          {list('error')}
        </div>
      </div>
    </ToastContext.Provider>
  );
}
