// The bhyve-tui screen. Views: the domain list (with the host panel), details, errors,
// log, help, command output and the failed-edit view; dialogs: y/N confirmations, the
// typed-name confirmation, the `/` filter and the `:` command line. It only talks to a
// Connection and to the bootstrap's callbacks:
// - the raw console is not run here: `c` hands the domain's name to onConsole; the bootstrap
//   unmounts Ink, runs the console and renders a fresh App with `initialSelection` and `resume`;
// - `E` calls editText, which suspends Ink and runs $VISUAL/$EDITOR on the text;
// - `K` calls loadModule; `:` verbs that are not the TUI's own go to runCommandLine.
// Live state comes from connection.subscribe(); a slow poll is only a safety net. Screen.tsx
// draws, hooks/use-domain-actions.ts calls the Connection, hooks/use-edit-flow.ts runs the
// editor; this file holds the keys.
import {useInput, type Key} from 'ink';
import {useRef} from 'react';
import type {Connection, DomainSummary, HostStatus, ModuleName} from '../../driver/client/connection.js';
import {complete, domainArgument, parseArgv, uiVerbs, withDefaultDomain} from './command-line.js';
import {answerFor} from '../components/ConfirmDialog.js';
import {
	consoleRefusal,
	destroyRefusal,
	rebootRefusal,
	shutdownRefusal,
	startRefusal,
	undefineRefusal,
	type Refusal,
} from '../state/domain-rules.js';
import {selectedDomain, sortKeys, type SortKey} from '../state/domain-table-state.js';
import {loadableModule, moduleCondition} from '../text/host-lines.js';
import {commandsFor, isInterrupt, type Command} from '../state/keymap.js';
import {promptEdits} from '../state/prompt-input.js';
import {initialScreenState, screenReducer, topEntry, type ConfirmAction, type Dialog, type View} from '../state/screen-state.js';
import {infoStatus} from '../state/status.js';
import {useDomainActions} from '../hooks/use-domain-actions.js';
import {useDomainTable} from '../hooks/use-domain-table.js';
import {useEditFlow, type EditText} from '../hooks/use-edit-flow.js';
import {useHostStatus} from '../hooks/use-host-status.js';
import {useMounted} from '../hooks/use-mounted.js';
import {useStatus} from '../hooks/use-status.js';
import {useStore} from '../hooks/use-store.js';
import {Screen} from './Screen.js';

export type {EditRequest, EditResult, EditText} from '../hooks/use-edit-flow.js';

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

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

export function App(props: AppProps) {
	const {connection, onConsole, onQuit} = props;
	const idleMs = props.pollIntervalMs ?? 5000;
	const busyMs = props.statsIntervalMs ?? Math.min(2000, idleMs > 0 ? idleMs : 2000);

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

	const mounted = useMounted();
	const [status, report] = useStatus(props.initialStatus, mounted);

	// Synchronous mirrors for key handlers: several keys can arrive before React re-renders.
	const leavingRef = useRef(false);
	const hostRef = useRef(host.data);
	hostRef.current = host.data;
	const pagerRowsRef = useRef(10);

	const actions = useDomainActions({
		connection,
		screenStore,
		refreshTable: table.refresh,
		refreshHost: host.refresh,
		report,
		mounted,
		shutdownTimeoutS: props.shutdownTimeoutS,
		loadModule: props.loadModule,
		runCommandLine: props.runCommandLine,
	});
	const {refreshAll} = actions;
	const editFlow = useEditFlow({
		connection,
		editText: props.editText,
		screenStore,
		tableStore: table.store,
		report,
		refreshAll,
		mounted,
	});

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
				void editFlow.edit(name);
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
					actions.perform({type: 'start', name});
				} else {
					refuse(refusal);
				}

				return true;
			}

			case 'shutdown': {
				const refusal = shutdownRefusal(domain);
				if (refusal === undefined) {
					actions.perform({type: 'shutdown', name});
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
				actions.perform({type: 'autostart', name, enable: !domain.autostart});
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
		if (action.type === 'kldload') {
			if (yes && props.loadModule !== undefined) {
				actions.perform(action);
			} else {
				report(infoStatus(`${action.label} not loaded`));
			}

			return;
		}

		if (yes) {
			actions.perform({type: action.type, name: action.name});
		} else {
			report(infoStatus(`Left ${action.name} alone`));
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
				void editFlow.edit(name);
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

		void actions.runCli(full);
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
						actions.perform({type: 'undefine', name: now.name});
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
					const draft = editFlow.drafts.get(entry.view.name);
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
					editFlow.discard(name);
					report(infoStatus(`Discarded your edit of ${name}; its definition is as it was`));
				} else {
					void editFlow.edit(name);
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
		if (leavingRef.current || editFlow.busy()) {
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
	}, {isActive: !editFlow.active});

	return <Screen connection={connection} screen={screen} screenStore={screenStore} status={status} table={table} host={host} idleMs={idleMs} pagerRows={pagerRowsRef} />;
}
