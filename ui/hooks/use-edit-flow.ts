// `E`: a domain's XML in the operator's editor, checked by define() when the editor exits.
// A save that does not validate is kept as a draft and opens the failed-edit view: r (or E
// later) re-edits the draft with the errors in a comment on top, d discards it; the edited
// text is never dropped unasked. The editor runs from an effect, once Ink has drawn the
// constant "Editing…" frame and let go of stdin; until it exits, keys are not handled.
import {isActive} from '../../driver/domain/state.js';
import {useEffect, useRef, useState} from 'react';
import {domainKey, findDomain, type TableAction, type TableState} from '../state/domain-table-state.js';
import {stripErrorHeader, withErrorHeader} from '../state/edit-buffer.js';
import type {ScreenAction, ScreenState} from '../state/screen-state.js';
import {errorStatus, infoStatus, naming, onHostText} from '../state/status.js';
import type {Store} from '../state/store.js';
import type {HostConnection} from './use-domain-actions.js';
import type {Report} from './use-status.js';

/** What the bootstrap's editor returns: the saved buffer, and where it kept a copy of it. */
export interface EditResult {
  text: string;
  /** a file holding the edited text (e.g. under the state directory), shown to the operator */
  savedAt?: string;
}

export interface EditRequest {
  /** the domain whose XML is edited */
  name: string;
  /** 1 for the first edit, 2 and up for re-edits after a failed save */
  attempt: number;
}

/**
 * Suspends Ink, writes `text` to a temporary file, runs $VISUAL / $EDITOR (default vi) on it
 * with the terminal, and resolves with the file's content once the editor exits; null when
 * the editor failed (non-zero exit). Rejects only when no editor could be run.
 */
export type EditText = (text: string, request: EditRequest) => Promise<EditResult | null>;

/** An edit that did not validate, kept until it is saved or discarded. */
interface Draft {
  text: string;
  savedAt?: string | undefined;
  message: string;
  detail?: string | undefined;
  attempt: number;
}

interface EditJob {
  name: string;
  /** the domain's host (several hosts) */
  host: string | undefined;
  buffer: string;
  original: string;
  attempt: number;
}

export interface EditFlow {
  /** an editor runs (or is about to): the App's key handler is off */
  active: boolean;
  /** the same, updated at once, for keys that arrive before React re-renders */
  busy(): boolean;
  /** the kept drafts by domainKey (the name, with one host) */
  drafts: ReadonlyMap<string, Draft>;
  /** edits the domain's XML, or resumes its draft */
  edit(name: string, host?: string): Promise<void>;
  /** drops the domain's draft */
  discard(name: string, host?: string): void;
}

export function useEditFlow(options: {
  /** the connection of a domain's host; `host` is undefined with one host */
  connectionOf(host: string | undefined): HostConnection;
  /** the bootstrap's editor; without it, E explains how to edit from the shell */
  editText: EditText | undefined;
  screenStore: Store<ScreenState, ScreenAction>;
  tableStore: Store<TableState, TableAction>;
  report: Report;
  refreshAll(): Promise<void>;
  mounted: {readonly current: boolean};
}): EditFlow {
  const {connectionOf, screenStore, tableStore, report, refreshAll, mounted} = options;
  const editingRef = useRef(false);
  const draftsRef = useRef(new Map<string, Draft>());
  const [editJob, setEditJob] = useState<EditJob | null>(null);

  const startEdit = (job: EditJob) => {
    if (editingRef.current) {
      return;
    }

    editingRef.current = true;
    screenStore.dispatch({type: 'close'});
    screenStore.dispatch({type: 'push', view: {kind: 'editing', name: job.name, ...(job.host === undefined ? {} : {host: job.host})}});
    // The editor runs from an effect, after Ink has drawn the editing screen and let go of stdin.
    setEditJob(job);
  };

  const edit = async (name: string, host?: string) => {
    if (options.editText === undefined) {
      report(infoStatus(`Editing needs a terminal editor; run: bhyve-tui edit ${name}`));
      return;
    }

    const found = connectionOf(host);
    if (!('connection' in found)) {
      report({tone: 'error', text: found.unreachable});
      return;
    }

    const draft = draftsRef.current.get(domainKey(name, host));
    if (draft !== undefined) {
      startEdit({name, host, buffer: withErrorHeader(draft.text, draft.message, draft.detail), original: draft.text, attempt: draft.attempt + 1});
      return;
    }

    let xml: string;
    try {
      xml = await found.connection.domainXml(name);
    } catch (error: unknown) {
      report(naming(errorStatus(error, {prefix: `Cannot read the XML of ${name}${onHostText(host)}`, name}), host));
      return;
    }

    startEdit({name, host, buffer: xml, original: xml, attempt: 1});
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: one run per edit job; a new report or store identity must not cancel the editor under way
  useEffect(() => {
    if (editJob === null || options.editText === undefined) {
      return;
    }

    const {name, host, buffer, original, attempt} = editJob;
    const key = domainKey(name, host);
    const on = onHostText(host);
    const editText = options.editText;
    let cancelled = false;
    void (async () => {
      let result: EditResult | null;
      try {
        result = await editText(buffer, {name, attempt});
      } catch (error: unknown) {
        result = null;
        if (!cancelled) {
          report(errorStatus(error, {prefix: `Cannot run the editor for ${name}`, name}));
        }
      } finally {
        editingRef.current = false;
      }

      if (cancelled || !mounted.current) {
        return;
      }

      screenStore.dispatch({type: 'pop'});
      setEditJob(null);
      if (result === null) {
        const kept = draftsRef.current.get(key);
        if (kept === undefined) {
          report((previous) =>
            previous?.tone === 'error' ? previous : infoStatus(`Edit of ${name} abandoned (the editor exited with an error); nothing changed`),
          );
        } else {
          report(infoStatus(`Nothing changed; your earlier edit of ${name} is kept${kept.savedAt === undefined ? '' : ` in ${kept.savedAt}`} — E resumes it`));
        }

        return;
      }

      const text = stripErrorHeader(result.text);
      if (text === original && attempt === 1) {
        report(infoStatus(`${name}: XML not changed`));
        return;
      }

      report({tone: 'pending', text: `Checking and defining ${name}${on}…`});
      try {
        const found = connectionOf(host);
        if (!('connection' in found)) {
          throw new Error(found.unreachable);
        }

        const defined = await found.connection.define(text);
        draftsRef.current.delete(key);
        const summary = findDomain(tableStore.getState(), name, host);
        const live = summary !== undefined && isActive(summary.state);
        await refreshAll();
        if (defined.name !== name) {
          tableStore.dispatch({type: 'select', key: domainKey(defined.name, host)});
        }

        report({
          tone: 'success',
          text:
            defined.name === name
              ? `Domain '${name}' XML configuration edited${on}${live ? ' (changes apply at the next start)' : ''}`
              : `Domain '${defined.name}' defined${on} from the edit of ${name}`,
        });
      } catch (error: unknown) {
        const failure = error instanceof Error ? error : new Error(String(error));
        const extra = failure as Error & {detail?: unknown};
        const detail = typeof extra.detail === 'string' ? extra.detail : undefined;
        draftsRef.current.set(key, {text, savedAt: result.savedAt, message: failure.message, detail, attempt});
        screenStore.dispatch({
          type: 'push',
          view: {
            kind: 'edit-failed',
            name,
            message: failure.message,
            ...(detail === undefined ? {} : {detail}),
            ...(result.savedAt === undefined ? {} : {savedAt: result.savedAt}),
            ...(host === undefined ? {} : {host}),
          },
        });
        report({tone: 'error', text: `Not saved: ${name}'s definition is unchanged — r re-edits`});
        void refreshAll();
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [editJob]);

  return {
    active: editJob !== null,
    busy: () => editingRef.current,
    drafts: draftsRef.current,
    edit,
    discard(name, host) {
      draftsRef.current.delete(domainKey(name, host));
    },
  };
}
