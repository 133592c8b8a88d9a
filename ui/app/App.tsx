// The bhyve-tui screen. Views: the domain list (with the host panel), details, errors,
// log, help, command output and the failed-edit view; dialogs: y/N confirmations, the
// typed-name confirmation, the `/` filter and the `:` command line. It only talks to a
// Connection and to the bootstrap's callbacks:
// - the raw console is not run here: `c` hands the domain's name to onConsole; the bootstrap
//   unmounts Ink, runs the console and renders a fresh App with `initialSelection` and `resume`;
// - `E` calls editText, which suspends Ink and runs $VISUAL/$EDITOR on the text;
// - `K` calls loadModule; `:` verbs that are not the TUI's own go to runCommandLine.
// Live state comes from connection.subscribe(); a slow poll is only a safety net.
import {Box, Text, useInput, type Key} from 'ink';
import {useCallback, useEffect, useRef, useState} from 'react';
import type {Connection, DomainSummary, HostStatus, ModuleName} from '../../driver/client/connection.js';
import {isActive} from '../../driver/domain/state.js';
import {complete, domainArgument, parseArgv, runOnConnection, uiVerbs, withDefaultDomain} from './command-line.js';
import {answerFor, ConfirmDialog, confirmHeight} from '../components/ConfirmDialog.js';
import {DetailsView} from '../components/DetailsView.js';
import {
	consoleRefusal,
	destroyQuestion,
	destroyRefusal,
	kldloadQuestion,
	rebootQuestion,
	rebootRefusal,
	shutdownRefusal,
	startRefusal,
	undefineQuestion,
	undefineRefusal,
	type Refusal,
} from '../state/domain-rules.js';
import {selectedDomain, sortKeys, type SortKey} from '../state/domain-table-state.js';
import {DomainList} from '../components/DomainList.js';
import {listSummary} from '../text/domain-rows.js';
import {EditFailedView} from '../components/EditFailedView.js';
import {stripErrorHeader, withErrorHeader} from '../state/edit-buffer.js';
import {ErrorsView} from '../components/ErrorsView.js';
import {helpLines, viewTitle} from '../text/help-lines.js';
import {hostLines, hostStripLines, loadableModule, moduleCondition} from '../text/host-lines.js';
import {HostPanel} from '../components/HostPanel.js';
import {commandsFor, confirmHints, hintsFor, isInterrupt, promptHints, typeNameHints, type Command} from '../state/keymap.js';
import {KeyHints} from '../components/KeyHints.js';
import {computeLayout} from '../render/layout.js';
import {LogView} from '../components/LogView.js';
import {Pager, PAGER_CHROME_ROWS} from '../components/Pager.js';
import {textLines} from '../text/pager-lines.js';
import {PROMPT_CLIPPED_NOTE, promptEdits} from '../state/prompt-input.js';
import {PromptLine} from '../components/PromptLine.js';
import {initialScreenState, screenReducer, topEntry, type ConfirmAction, type Dialog, type View} from '../state/screen-state.js';
import {errorStatus, infoStatus, statusHeight, type Status} from '../state/status.js';
import {StatusLine} from '../components/StatusLine.js';
import {TitleBar} from '../components/TitleBar.js';
import {TypeNameDialog, typeNameHeight} from '../components/TypeNameDialog.js';
import {useDomainTable} from '../hooks/use-domain-table.js';
import {useHostStatus} from '../hooks/use-host-status.js';
import {useNow} from '../hooks/use-now.js';
import {useStore} from '../hooks/use-store.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';

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

/** The parts of the screen that survive a round trip through the console. */
export interface ResumeState {
	filter: string;
	sort: SortKey;
	descending: boolean;
	/** the view that was open (details, errors, log of a domain), if not the list */
	view?: View;
}

export interface AppProps {
	connection: Connection;
	/** domain to select once the list has loaded (e.g. the one whose console just closed) */
	initialSelection?: string;
	/** filter, sort and view to restore (from onConsole's second argument) */
	resume?: ResumeState;
	/** `c` on a running domain: the bootstrap unmounts Ink and runs the console */
	onConsole(name: string, resume: ResumeState): void;
	/** `q` or Ctrl-C */
	onQuit(): void;
	/** status shown until the first action, e.g. `Console closed` or an error from the console */
	initialStatus?: {text: string; error?: boolean};
	/** the listing and host status the first frame was drawn from: the first render shows them */
	initialData?: {domains: readonly DomainSummary[]; host?: HostStatus | undefined};
	/** safety refresh of the list and host status; default 5000 ms, 0 turns the timer off */
	pollIntervalMs?: number;
	/** refresh while guests run (CPU%, RSS); default 2000 ms */
	statsIntervalMs?: number;
	/** seconds `t` (shutdown) waits before the forced power-off; the driver's default when unset */
	shutdownTimeoutS?: number;
	/** `E`: edit text in the operator's editor (see EditText); without it, E explains */
	editText?: EditText;
	/** `K`: kldload a module (after the confirmation); rejects with a DriverError */
	loadModule?(name: ModuleName): Promise<void>;
	/** `:` verbs that are not the TUI's own: runs the CLI verb in-process; resolves with its output, rejects with a DriverError */
	runCommandLine?(argv: string[]): Promise<string>;
}

interface Draft {
	text: string;
	savedAt?: string;
	message: string;
	detail?: string;
	attempt: number;
}

function dialogQuestion(action: ConfirmAction): string {
	switch (action.type) {
		case 'destroy': {
			return destroyQuestion(action.name);
		}

		case 'reboot': {
			return rebootQuestion(action.name);
		}

		case 'kldload': {
			return kldloadQuestion(action.module, action.label, action.persist);
		}
	}
}

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

export function App(props: AppProps) {
	const {connection, onConsole, onQuit} = props;
	const idleMs = props.pollIntervalMs ?? 5000;
	const busyMs = props.statsIntervalMs ?? Math.min(2000, idleMs > 0 ? idleMs : 2000);
	const size = useTerminalSize();

	const table = useDomainTable(connection, {
		selected: props.initialSelection,
		filter: props.resume?.filter,
		sort: props.resume?.sort,
		descending: props.resume?.descending,
		idleMs,
		busyMs,
		initial: props.initialData?.domains,
	});
	const host = useHostStatus(connection, {intervalMs: idleMs, initial: props.initialData?.host});
	const [screen, screenStore] = useStore(screenReducer, () => initialScreenState(props.resume?.view));

	const [status, setStatus] = useState<Status | null>(() =>
		props.initialStatus === undefined
			? null
			: {tone: props.initialStatus.error === true ? 'error' : 'info', text: props.initialStatus.text});

	// Synchronous mirrors for key handlers: several keys can arrive before React re-renders.
	const leavingRef = useRef(false);
	const editingRef = useRef(false);
	const pendingRef = useRef(new Set<string>());
	const draftsRef = useRef(new Map<string, Draft>());
	const hostRef = useRef(host.data);
	hostRef.current = host.data;
	const pagerRowsRef = useRef(10);
	const mountedRef = useRef(true);
	useEffect(() => {
		mountedRef.current = true;
		return () => {
			mountedRef.current = false;
		};
	}, []);

	const report = useCallback((next: Status | null) => {
		if (mountedRef.current) {
			setStatus(next);
		}
	}, []);

	const refreshAll = useCallback(async () => {
		await Promise.all([table.refresh(), host.refresh()]);
	}, [table.refresh, host.refresh]);

	const runAction = useCallback(
		async (name: string, verb: {doing: string; done: string; failed: string}, action: () => Promise<void>) => {
			if (pendingRef.current.has(name)) {
				report(infoStatus(`${name}: an action is already in progress`));
				return;
			}

			pendingRef.current.add(name);
			report({tone: 'pending', text: `${verb.doing} ${name}…`});
			let outcome: Status;
			try {
				await action();
				outcome = {tone: 'success', text: `${verb.done}`.includes(name) ? verb.done : `${verb.done} ${name}`};
			} catch (error: unknown) {
				outcome = errorStatus(error, {prefix: `${verb.failed} ${name}`, name});
			} finally {
				pendingRef.current.delete(name);
			}

			// Refresh first, so the outcome and the new state appear together.
			await refreshAll();
			report(outcome);
		},
		[refreshAll, report],
	);

	const refuse = (refusal: Refusal) => {
		report({tone: refusal.error === true ? 'error' : 'info', text: refusal.text});
	};

	const resumeState = (): ResumeState => {
		const now = table.store.getState();
		const view = topEntry(screenStore.getState()).view;
		const keep = view.kind === 'details' || view.kind === 'errors' || view.kind === 'log';
		return {filter: now.filter, sort: now.sort, descending: now.descending, ...(keep ? {view} : {})};
	};

	/** The domain a command acts on: the list's selection, or the domain of the open view. */
	const target = (): DomainSummary | string | undefined => {
		const view = topEntry(screenStore.getState()).view;
		const now = table.store.getState();
		if (view.kind === 'list') {
			return selectedDomain(now);
		}

		if ('name' in view) {
			return now.all.find(domain => domain.name === view.name) ?? view.name;
		}

		return undefined;
	};

	const findDomain = (name: string): DomainSummary | undefined => table.store.getState().all.find(domain => domain.name === name);

	// ---- edit ---------------------------------------------------------------------------

	const [editJob, setEditJob] = useState<{name: string; buffer: string; original: string; attempt: number} | null>(null);

	const startEdit = (name: string, buffer: string, original: string, attempt: number) => {
		if (editingRef.current) {
			return;
		}

		editingRef.current = true;
		screenStore.dispatch({type: 'close'});
		screenStore.dispatch({type: 'push', view: {kind: 'editing', name}});
		// The editor runs from an effect, after Ink has drawn the editing screen and let go of stdin.
		setEditJob({name, buffer, original, attempt});
	};

	const edit = async (name: string) => {
		if (props.editText === undefined) {
			report(infoStatus(`Editing needs a terminal editor; run: bhyve-tui edit ${name}`));
			return;
		}

		const draft = draftsRef.current.get(name);
		if (draft !== undefined) {
			startEdit(name, withErrorHeader(draft.text, draft.message, draft.detail), draft.text, draft.attempt + 1);
			return;
		}

		let xml: string;
		try {
			xml = await connection.domainXml(name);
		} catch (error: unknown) {
			report(errorStatus(error, {prefix: `Cannot read the XML of ${name}`, name}));
			return;
		}

		startEdit(name, xml, xml, 1);
	};

	useEffect(() => {
		if (editJob === null || props.editText === undefined) {
			return;
		}

		const {name, buffer, original, attempt} = editJob;
		const editText = props.editText;
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

			if (cancelled || !mountedRef.current) {
				return;
			}

			screenStore.dispatch({type: 'pop'});
			setEditJob(null);
			if (result === null) {
				const kept = draftsRef.current.get(name);
				if (kept === undefined) {
					setStatus(previous => previous?.tone === 'error' ? previous : infoStatus(`Edit of ${name} abandoned (the editor exited with an error); nothing changed`));
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

			report({tone: 'pending', text: `Checking and defining ${name}…`});
			try {
				const defined = await connection.define(text);
				draftsRef.current.delete(name);
				const summaryNow = findDomain(name);
				const live = summaryNow !== undefined && isActive(summaryNow.state);
				await refreshAll();
				if (defined.name !== name) {
					table.store.dispatch({type: 'select', key: defined.name});
				}

				report({
					tone: 'success',
					text: defined.name === name
						? `Domain '${name}' XML configuration edited${live ? ' (changes apply at the next start)' : ''}`
						: `Domain '${defined.name}' defined from the edit of ${name}`,
				});
			} catch (error: unknown) {
				const failure = error instanceof Error ? error : new Error(String(error));
				const extra = failure as Error & {detail?: unknown};
				const detail = typeof extra.detail === 'string' ? extra.detail : undefined;
				draftsRef.current.set(name, {text, savedAt: result.savedAt, message: failure.message, detail, attempt});
				screenStore.dispatch({type: 'push', view: {kind: 'edit-failed', name, message: failure.message, ...(detail === undefined ? {} : {detail}), ...(result.savedAt === undefined ? {} : {savedAt: result.savedAt})}});
				report({tone: 'error', text: `Not saved: ${name}'s definition is unchanged — r re-edits`});
				void refreshAll();
			}
		})();
		return () => {
			cancelled = true;
		};
	}, [editJob]);

	// ---- actions on one domain ----------------------------------------------------------

	const act = (type: 'start' | 'shutdown' | 'destroy' | 'reboot' | 'undefine' | 'autostart' | 'console' | 'edit' | 'log' | 'errors' | 'details'): boolean => {
		const found = target();
		if (found === undefined) {
			report(infoStatus(table.store.getState().list.loaded ? (table.store.getState().filter === '' ? 'No domain selected' : 'No domain matches the filter') : 'Still loading the domain list'));
			return false;
		}

		const name = typeof found === 'string' ? found : found.name;
		if (typeof found === 'string' && type !== 'log' && type !== 'errors' && type !== 'details' && type !== 'edit') {
			report({tone: 'error', text: `No domain named '${name}' any more`});
			return false;
		}

		const domain = typeof found === 'string' ? undefined : found;
		const view = topEntry(screenStore.getState()).view;
		const open = (next: View) => {
			screenStore.dispatch(view.kind === 'list' ? {type: 'push', view: next} : {type: 'replace', view: next});
		};

		switch (type) {
			case 'details':
			case 'errors':
			case 'log': {
				open({kind: type, name});
				return true;
			}

			case 'edit': {
				void edit(name);
				return false;
			}

			default: {
				break;
			}
		}

		if (domain === undefined) {
			return false;
		}

		switch (type) {
			case 'start': {
				const refusal = startRefusal(domain);
				if (refusal === undefined) {
					void runAction(name, {doing: 'Starting', done: 'Started', failed: 'Cannot start'}, async () => connection.start(name));
				} else {
					refuse(refusal);
				}

				return true;
			}

			case 'shutdown': {
				const refusal = shutdownRefusal(domain);
				if (refusal === undefined) {
					const timeout = props.shutdownTimeoutS;
					void runAction(
						name,
						{doing: 'Pressing the power button of', done: `Shutting down ${name}: ACPI power button pressed; forced power-off when the countdown ends`, failed: 'Cannot shut down'},
						async () => connection.shutdown(name, timeout === undefined ? undefined : {timeoutS: timeout}),
					);
				} else {
					refuse(refusal);
				}

				return true;
			}

			case 'destroy':
			case 'reboot': {
				const refusal = type === 'destroy' ? destroyRefusal(domain) : rebootRefusal(domain);
				if (refusal !== undefined) {
					refuse(refusal);
					return true;
				}

				screenStore.dispatch({type: 'open', dialog: {kind: 'confirm', action: {type, name}}});
				// Keys typed after D in the same chunk must not answer the question.
				return false;
			}

			case 'undefine': {
				const refusal = undefineRefusal(domain);
				if (refusal !== undefined) {
					refuse(refusal);
					return true;
				}

				screenStore.dispatch({type: 'open', dialog: {kind: 'type-name', name, value: ''}});
				return false;
			}

			case 'autostart': {
				const enable = !domain.autostart;
				void runAction(
					name,
					{
						doing: enable ? 'Enabling autostart of' : 'Disabling autostart of',
						done: enable ? `${name} will start when the host boots` : `${name} will not start when the host boots`,
						failed: 'Cannot change autostart of',
					},
					async () => connection.setAutostart(name, enable),
				);
				return true;
			}

			case 'console': {
				const refusal = consoleRefusal(domain);
				if (refusal !== undefined) {
					refuse(refusal);
					return true;
				}

				leavingRef.current = true;
				onConsole(name, resumeState());
				return false;
			}
		}
	};

	const askKldload = () => {
		const hostNow = hostRef.current;
		if (hostNow === undefined) {
			report(infoStatus('Still checking the host'));
			return;
		}

		const module = loadableModule(hostNow);
		if (module === undefined) {
			const failed = hostNow.modules.find(candidate => moduleCondition(candidate) === 'failed');
			report(failed === undefined
				? infoStatus('Every kernel module bhyve needs is loaded')
				: {tone: 'error', text: `${failed.label} failed to start: no hardware virtualization (VT-x/AMD-V); kldload cannot fix that`});
			return;
		}

		if (props.loadModule === undefined) {
			report(infoStatus(`Run as root: ${module.fix ?? `kldload ${module.name}`}; at boot: ${module.persist ?? `sysrc kld_list+=${module.name}`}`));
			return;
		}

		screenStore.dispatch({type: 'open', dialog: {kind: 'confirm', action: {type: 'kldload', module: module.name, label: module.label, ...(module.persist === undefined ? {} : {persist: module.persist})}}});
	};

	const answer = (action: ConfirmAction, yes: boolean) => {
		screenStore.dispatch({type: 'close'});
		switch (action.type) {
			case 'destroy': {
				if (yes) {
					void runAction(action.name, {doing: 'Destroying', done: 'Destroyed', failed: 'Cannot destroy'}, async () => connection.destroy(action.name));
				} else {
					report(infoStatus(`Left ${action.name} alone`));
				}

				return;
			}

			case 'reboot': {
				if (yes) {
					void runAction(action.name, {doing: 'Rebooting', done: 'Rebooted', failed: 'Cannot reboot'}, async () => connection.reboot(action.name));
				} else {
					report(infoStatus(`Left ${action.name} alone`));
				}

				return;
			}

			case 'kldload': {
				const loadModule = props.loadModule;
				if (!yes || loadModule === undefined) {
					report(infoStatus(`${action.label} not loaded`));
					return;
				}

				const persist = action.persist ?? `sysrc kld_list+=${action.module}`;
				void (async () => {
					report({tone: 'pending', text: `kldload ${action.module}…`});
					let outcome: Status;
					try {
						await loadModule(action.module);
						outcome = {tone: 'success', text: `Loaded ${action.label}. To load it at every boot: ${persist}`};
					} catch (error: unknown) {
						outcome = errorStatus(error, {prefix: `kldload ${action.module} failed`, name: action.module});
					}

					await refreshAll();
					report(outcome);
				})();
			}
		}
	};

	// ---- the command line ---------------------------------------------------------------

	const runCommand = async (line: string) => {
		const argv = parseArgv(line);
		const [verb] = argv;
		if (verb === undefined) {
			return;
		}

		screenStore.dispatch({type: 'remember', command: line});
		const current = target();
		const selected = current === undefined ? undefined : typeof current === 'string' ? current : current.name;
		const full = withDefaultDomain(argv, selected);
		const ui = uiVerbs[verb];
		if (ui !== undefined) {
			const name = domainArgument(full);
			switch (ui) {
				case 'quit': {
					leavingRef.current = true;
					onQuit();
					return;
				}

				case 'help': {
					screenStore.dispatch({type: 'push', view: {kind: 'help', of: topEntry(screenStore.getState()).view.kind}});
					return;
				}

				case 'filter': {
					table.store.dispatch({type: 'filter', text: argv.slice(1).join(' ')});
					screenStore.dispatch({type: 'home'});
					return;
				}

				case 'sort': {
					const key = argv[1] as SortKey | undefined;
					if (key !== undefined && !sortKeys.includes(key)) {
						report({tone: 'error', text: `sort: one of ${sortKeys.join(', ')}`});
						return;
					}

					table.store.dispatch(key === undefined ? {type: 'sort'} : {type: 'sort', key});
					report(infoStatus(`Sorted by ${table.store.getState().sort}`));
					return;
				}

				default: {
					break;
				}
			}

			if (name === undefined) {
				report({tone: 'error', text: `${verb}: which domain? e.g. :${verb} web1`});
				return;
			}

			const domain = findDomain(name);
			if (domain === undefined && ui !== 'edit') {
				report({tone: 'error', text: `No domain named '${name}'`});
				return;
			}

			if (ui === 'edit') {
				void edit(name);
				return;
			}

			if (ui === 'console') {
				const refusal = domain === undefined ? undefined : consoleRefusal(domain);
				if (refusal !== undefined) {
					refuse(refusal);
					return;
				}

				leavingRef.current = true;
				onConsole(name, resumeState());
				return;
			}

			const view = topEntry(screenStore.getState()).view;
			screenStore.dispatch({type: view.kind === 'list' ? 'push' : 'replace', view: {kind: ui, name}});
			return;
		}

		report({tone: 'pending', text: `${full.join(' ')}…`});
		let outcome: Status;
		let output = '';
		try {
			output = props.runCommandLine === undefined
				? await runOnConnection(connection, full, props.shutdownTimeoutS === undefined ? {} : {shutdownTimeoutS: props.shutdownTimeoutS})
				: await props.runCommandLine(full);
			const lines = output.trimEnd().split('\n');
			outcome = {tone: 'success', text: lines.length === 1 && lines[0] !== '' ? lines[0] ?? '' : `Done: ${full.join(' ')}`};
		} catch (error: unknown) {
			outcome = errorStatus(error);
			output = '';
		}

		await refreshAll();
		if (!mountedRef.current) {
			return;
		}

		if (output.trimEnd().includes('\n')) {
			screenStore.dispatch({type: 'push', view: {kind: 'output', title: `:${full.join(' ')}`, text: output}});
		}

		report(outcome);
	};

	// ---- keys ---------------------------------------------------------------------------

	const promptKey = (dialog: Extract<Dialog, {kind: 'prompt' | 'type-name'}>, input: string, key: Key) => {
		for (const edit of promptEdits(input, key)) {
			const now = screenStore.getState().dialog;
			if (now === null || now.kind === 'confirm') {
				return;
			}

			switch (edit.type) {
				case 'text': {
					screenStore.dispatch({type: 'prompt-input', text: edit.text});
					break;
				}

				case 'erase': {
					screenStore.dispatch({type: 'prompt-erase', what: edit.what});
					break;
				}

				case 'history': {
					screenStore.dispatch({type: 'prompt-history', direction: edit.direction});
					break;
				}

				case 'complete': {
					if (now.kind === 'prompt' && now.purpose === 'command') {
						const completed = complete(now.value, table.store.getState().all.map(domain => domain.name));
						screenStore.dispatch({type: 'prompt-erase', what: 'all'});
						screenStore.dispatch({type: 'prompt-input', text: completed});
					}

					break;
				}

				case 'escape': {
					screenStore.dispatch({type: 'close'});
					if (now.kind === 'prompt' && now.purpose === 'filter') {
						table.store.dispatch({type: 'filter', text: ''});
					} else if (now.kind === 'type-name') {
						report(infoStatus(`Left ${now.name} alone`));
					}

					return;
				}

				case 'enter': {
					if (now.kind === 'type-name') {
						if (now.value !== now.name) {
							report({tone: 'error', text: `Type '${now.name}' exactly to undefine it, or Esc to cancel`});
							break;
						}

						screenStore.dispatch({type: 'close'});
						const name = now.name;
						void runAction(name, {doing: 'Undefining', done: `Domain '${name}' has been undefined`, failed: 'Cannot undefine'}, async () => {
							await connection.undefine(name);
							// Views of the removed domain make no sense any more.
							screenStore.dispatch({type: 'home'});
						});
						return;
					}

					screenStore.dispatch({type: 'close'});
					if (now.purpose === 'command') {
						void runCommand(now.value);
						return;
					}

					break;
				}
			}

			if (dialog.kind === 'prompt' && dialog.purpose === 'filter') {
				const after = screenStore.getState().dialog;
				const text = after?.kind === 'prompt' ? after.value : now.value;
				table.store.dispatch({type: 'filter', text});
			}
		}
	};

	const openPrompt = (purpose: 'filter' | 'command', rest: string) => {
		const value = purpose === 'filter' ? table.store.getState().filter : '';
		screenStore.dispatch({type: 'open', dialog: {kind: 'prompt', purpose, value, history: 0}});
		if (rest !== '') {
			const dialog = screenStore.getState().dialog;
			if (dialog?.kind === 'prompt') {
				promptKey(dialog, rest, noKey);
			}
		}
	};

	/** Applies one command; false stops the rest of the input chunk. */
	const run = (command: Command, rest: string): boolean => {
		const entry = topEntry(screenStore.getState());
		const inList = entry.view.kind === 'list';
		switch (command.type) {
			case 'move': {
				if (inList) {
					table.store.dispatch(command);
				} else {
					screenStore.dispatch({type: 'scroll', delta: command.delta});
				}

				return true;
			}

			case 'page': {
				if (inList) {
					table.store.dispatch(command);
				} else {
					screenStore.dispatch({type: 'scroll', delta: command.direction * Math.max(1, pagerRowsRef.current - 1)});
				}

				return true;
			}

			case 'first':
			case 'last': {
				if (inList) {
					table.store.dispatch(command);
				} else {
					screenStore.dispatch({type: 'scroll-to', line: command.type === 'first' ? 'top' : 'bottom'});
				}

				return true;
			}

			case 'filter': {
				openPrompt('filter', rest);
				return false;
			}

			case 'command-line': {
				openPrompt('command', rest);
				return false;
			}

			case 'clear-filter': {
				if (table.store.getState().filter !== '') {
					table.store.dispatch({type: 'filter', text: ''});
					report(infoStatus('Filter cleared'));
				}

				return true;
			}

			case 'sort':
			case 'reverse': {
				table.store.dispatch({type: command.type});
				const now = table.store.getState();
				report(infoStatus(`Sorted by ${now.sort}${now.descending ? ', reversed' : ''}`));
				return true;
			}

			case 'help': {
				if (entry.view.kind === 'help') {
					screenStore.dispatch({type: 'pop'});
				} else {
					screenStore.dispatch({type: 'push', view: {kind: 'help', of: entry.view.kind}});
				}

				return false;
			}

			case 'refresh': {
				void refreshAll();
				return true;
			}

			case 'kldload': {
				askKldload();
				return false;
			}

			case 'back': {
				if (entry.view.kind === 'edit-failed') {
					const draft = draftsRef.current.get(entry.view.name);
					report(infoStatus(`Your edit of ${entry.view.name} is kept${draft?.savedAt === undefined ? '' : ` in ${draft.savedAt}`}; E on ${entry.view.name} resumes it`));
				}

				screenStore.dispatch({type: 'pop'});
				return false;
			}

			case 'reedit':
			case 'discard': {
				if (entry.view.kind !== 'edit-failed') {
					return false;
				}

				const name = entry.view.name;
				screenStore.dispatch({type: 'pop'});
				if (command.type === 'discard') {
					draftsRef.current.delete(name);
					report(infoStatus(`Discarded your edit of ${name}; its definition is as it was`));
				} else {
					void edit(name);
				}

				return false;
			}

			case 'quit': {
				leavingRef.current = true;
				onQuit();
				return false;
			}

			default: {
				return act(command.type);
			}
		}
	};

	// One handler for every key, never inactive except while the editor owns the terminal:
	// dialog and prompt keys go through it too, so no key is lost while a newly mounted
	// component subscribes. It reads only refs and stores, so a copy from an earlier render
	// behaves the same.
	useInput((input, key) => {
		if (leavingRef.current || editingRef.current) {
			return;
		}

		if (isInterrupt(input, key)) {
			// Ctrl-C quits from anywhere, dialogs included.
			leavingRef.current = true;
			onQuit();
			return;
		}

		const state = screenStore.getState();
		const dialog = state.dialog;
		if (dialog !== null) {
			if (dialog.kind === 'confirm') {
				const reply = answerFor(input, key);
				if (reply !== undefined) {
					answer(dialog.action, reply === 'yes');
				}
			} else {
				promptKey(dialog, input, key);
			}

			return;
		}

		for (const {command, rest} of commandsFor(topEntry(state).view.kind, input, key)) {
			if (!run(command, rest)) {
				break;
			}
		}
	}, {isActive: editJob === null});

	// ---- layout and views ---------------------------------------------------------------

	const entry = topEntry(screen);
	const view = entry.view;
	const dialog = screen.dialog;
	const tableState = table.state;
	const counting = tableState.all.some(domain => domain.shutdownDeadline !== undefined);
	// The ticking clock, but never behind a deadline set since its last tick.
	const now = Math.max(useNow(counting), counting ? Date.now() : 0);

	const onBounds = useCallback((maxScroll: number) => {
		screenStore.dispatch({type: 'bounds', maxScroll});
	}, [screenStore]);

	let bottomRows: number;
	let question = '';
	if (dialog?.kind === 'confirm') {
		question = dialogQuestion(dialog.action);
		bottomRows = confirmHeight(question, size.columns);
	} else if (dialog?.kind === 'type-name') {
		question = undefineQuestion(dialog.name);
		bottomRows = typeNameHeight(question, size.columns);
	} else if (dialog?.kind === 'prompt') {
		bottomRows = 1;
	} else {
		bottomRows = statusHeight(status);
	}

	const wide = size.columns >= 100;
	const hostContent = wide ? hostLines(host.data, host.error) : hostStripLines(host.data, host.error, Math.max(1, size.columns - 4));
	const layout = computeLayout({columns: size.columns, rows: size.rows, bottomRows, hostLines: hostContent.length});
	const pagerRows = Math.max(1, layout.mainHeight - PAGER_CHROME_ROWS);
	pagerRowsRef.current = pagerRows;

	useEffect(() => {
		table.store.dispatch({type: 'viewport', rows: layout.viewport});
	}, [layout.viewport, table.store]);

	if (view.kind === 'editing') {
		// A constant frame: while the editor owns the terminal, nothing here may draw.
		return (
			<Box flexDirection="column">
				<Text>{`Editing ${view.name} in your editor… bhyve-tui continues when the editor exits.`}</Text>
			</Box>
		);
	}

	let main;
	switch (view.kind) {
		case 'list': {
			main = (
				<Box flexDirection={layout.hostBeside ? 'row' : 'column'} height={layout.mainHeight} flexShrink={0}>
					<DomainList
						table={tableState}
						viewport={layout.viewport}
						width={layout.listWidth}
						height={layout.listHeight}
						error={table.error}
						longestName={table.longestName}
						now={now}
					/>
					{layout.hostHeight > 0 ? (
						<HostPanel host={host.data} error={host.error} width={layout.hostWidth} height={layout.hostHeight} strip={!layout.hostBeside} />
					) : null}
				</Box>
			);
			break;
		}

		case 'details': {
			main = (
				<DetailsView
					key={view.name}
					connection={connection}
					name={view.name}
					summary={tableState.all.find(domain => domain.name === view.name)}
					now={now}
					scroll={entry.scroll}
					width={layout.width}
					height={layout.mainHeight}
					refreshMs={idleMs}
					onBounds={onBounds}
				/>
			);
			break;
		}

		case 'errors': {
			main = <ErrorsView key={view.name} connection={connection} name={view.name} scroll={entry.scroll} width={layout.width} height={layout.mainHeight} refreshMs={idleMs} onBounds={onBounds} />;
			break;
		}

		case 'log': {
			main = <LogView key={view.name} connection={connection} name={view.name} scroll={entry.scroll} follow={entry.follow} width={layout.width} height={layout.mainHeight} refreshMs={Math.min(idleMs, 2000)} onBounds={onBounds} />;
			break;
		}

		case 'help': {
			main = <Pager title={`Keys: ${viewTitle[view.of]}`} lines={helpLines(view.of)} scroll={entry.scroll} width={layout.width} height={layout.mainHeight} onBounds={onBounds} />;
			break;
		}

		case 'output': {
			main = <Pager title={view.title} lines={textLines(view.text)} scroll={entry.scroll} width={layout.width} height={layout.mainHeight} onBounds={onBounds} />;
			break;
		}

		case 'edit-failed': {
			main = (
				<EditFailedView
					name={view.name}
					message={view.message}
					{...(view.detail === undefined ? {} : {detail: view.detail})}
					{...(view.savedAt === undefined ? {} : {savedAt: view.savedAt})}
					scroll={entry.scroll}
					width={layout.width}
					height={layout.mainHeight}
					onBounds={onBounds}
				/>
			);
			break;
		}
	}

	let bottom;
	let hints;
	if (dialog?.kind === 'confirm') {
		bottom = <ConfirmDialog question={question} width={layout.width} color={dialog.action.type === 'kldload' ? 'yellow' : 'red'} />;
		hints = confirmHints;
	} else if (dialog?.kind === 'type-name') {
		bottom = <TypeNameDialog question={question} name={dialog.name} value={dialog.value} clipped={dialog.clipped === true} width={layout.width} />;
		hints = typeNameHints;
	} else if (dialog?.kind === 'prompt') {
		const count = dialog.purpose === 'filter' ? `${tableState.list.items.length} of ${tableState.all.length}` : undefined;
		const note = dialog.clipped === true ? (count === undefined ? PROMPT_CLIPPED_NOTE : `${count}  ${PROMPT_CLIPPED_NOTE}`) : count;
		bottom = <PromptLine purpose={dialog.purpose} value={dialog.value} width={layout.width} {...(note === undefined ? {} : {note})} />;
		hints = promptHints[dialog.purpose];
	} else {
		bottom = <StatusLine status={status} fallback={listSummary(tableState.all, tableState.list.loaded)} width={layout.width} />;
		hints = hintsFor(view.kind);
	}

	return (
		<Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
			<TitleBar uri={connection.uri} hostname={host.data?.hostname} simulated={connection.simulated} width={layout.width} />
			{main}
			{bottom}
			<KeyHints hints={hints} width={layout.width} />
		</Box>
	);
}
