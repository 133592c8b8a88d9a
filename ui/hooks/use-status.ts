// The status line's message, and `report` to change it. Actions report when they finish,
// possibly after the App is gone: report drops what arrives after the unmount.
import {useCallback, useState} from 'react';
import type {Status} from '../state/status.js';

export type Report = (next: Status | null | ((previous: Status | null) => Status | null)) => void;

export function useStatus(initial: {text: string; error?: boolean} | undefined, mounted: {readonly current: boolean}): [Status | null, Report] {
  const [status, setStatus] = useState<Status | null>(() =>
    initial === undefined ? null : {tone: initial.error === true ? 'error' : 'info', text: initial.text},
  );
  const report = useCallback<Report>(
    (next) => {
      if (mounted.current) {
        setStatus(next);
      }
    },
    [mounted],
  );
  return [status, report];
}
