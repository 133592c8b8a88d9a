// The bhyve-tui screen: title bar, domain list, host panel, status line and key hints.
// It only talks to a Connection. The raw console is not run here: `c` hands the domain's
// name to the bootstrap (onConsole), which unmounts Ink, runs the console and renders a
// fresh App with `initialSelection` afterwards.
import {Box, useInput} from 'ink';
import {useCallback, useEffect, useRef, useState} from 'react';
import type {Connection, DomainSummary} from '../driver/connection.js';
import {answerFor, ConfirmDialog, confirmHeight, type ConfirmAnswer} from './ConfirmDialog.js';
import {consoleRefusal, destroyQuestion, destroyRefusal, startRefusal, type Refusal} from './domain-rules.js';
import {DomainList} from './DomainList.js';
import {HostPanel, hostLines} from './HostPanel.js';
import {isInterrupt, listCommands, listHints, confirmHints, type Command} from './keymap.js';
import {KeyHints} from './KeyHints.js';
import {computeLayout} from './layout.js';
import {errorStatus, infoStatus, statusHeight, type Status} from './status.js';
import {StatusLine} from './StatusLine.js';
import {TitleBar} from './TitleBar.js';
import {useDomains} from './use-domains.js';
import {useHostStatus} from './use-host-status.js';
import {useListSelection} from './use-list-selection.js';
import {useTerminalSize} from './use-terminal-size.js';

export interface AppProps {
	connection: Connection;
	/** domain to select once the list has loaded (e.g. the one whose console just closed) */
	initialSelection?: string;
	/** `c`/Enter on a running domain: the bootstrap unmounts Ink and runs the console */
	onConsole(name: string): void;
	/** `q` or Ctrl-C */
	onQuit(): void;
	/** status shown until the first action, e.g. `Console closed` or an error from the console */
	initialStatus?: {text: string; error?: boolean};
	/** refresh period for the domain list and host status; default 1000 ms, 0 turns the timer off */
	pollIntervalMs?: number;
}

const domainKey = (domain: DomainSummary) => domain.name;

function summary(domains: readonly DomainSummary[], loaded: boolean): string {
	if (!loaded) {
		return 'Loading…';
	}

	const running = domains.filter(domain => domain.state === 'running').length;
	return `${domains.length} domain${domains.length === 1 ? '' : 's'}, ${running} running`;
}

export function App(props: AppProps) {
	const {connection, onConsole, onQuit} = props;
	const intervalMs = props.pollIntervalMs ?? 1000;
	const size = useTerminalSize();

	const list = useListSelection(domainKey, props.initialSelection);
	const domains = useDomains(connection, {intervalMs, onDomains: items => list.dispatch({type: 'items', items})});
	const host = useHostStatus(connection, {intervalMs});

	const [status, setStatus] = useState<Status | null>(() =>
		props.initialStatus === undefined
			? null
			: {tone: props.initialStatus.error === true ? 'error' : 'info', text: props.initialStatus.text});
	const [confirm, setConfirm] = useState<{name: string} | null>(null);

	// Synchronous mirrors for key handlers: several keys can arrive before React re-renders.
	const confirmRef = useRef<{name: string} | null>(null);
	const leavingRef = useRef(false);
	const pendingRef = useRef(new Set<string>());
	const mountedRef = useRef(true);
	useEffect(() => {
		mountedRef.current = true;
		return () => {
			mountedRef.current = false;
		};
	}, []);

	const report = useCallback((next: Status) => {
		if (mountedRef.current) {
			setStatus(next);
		}
	}, []);

	const refreshAll = useCallback(async () => {
		await Promise.all([domains.refresh(), host.refresh()]);
	}, [domains.refresh, host.refresh]);

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
				outcome = {tone: 'success', text: `${verb.done} ${name}`};
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

	const refuse = useCallback((refusal: Refusal) => {
		report({tone: refusal.error === true ? 'error' : 'info', text: refusal.text});
	}, [report]);

	/** Applies one command; false stops the rest of the input chunk. */
	const run = (command: Command): boolean => {
		switch (command.type) {
			case 'move':
			case 'first':
			case 'last':
			case 'page': {
				list.dispatch(command);
				return true;
			}

			case 'quit': {
				leavingRef.current = true;
				onQuit();
				return false;
			}

			case 'start':
			case 'destroy':
			case 'console': {
				break;
			}
		}

		const domain = list.selected();
		if (domain === undefined) {
			report(infoStatus(list.current().loaded ? 'No domain selected' : 'Still loading the domain list'));
			return false;
		}

		if (command.type === 'start') {
			const refusal = startRefusal(domain);
			if (refusal === undefined) {
				void runAction(domain.name, {doing: 'Starting', done: 'Started', failed: 'Cannot start'}, async () =>
					connection.start(domain.name));
			} else {
				refuse(refusal);
			}

			return true;
		}

		if (command.type === 'destroy') {
			const refusal = destroyRefusal(domain);
			if (refusal !== undefined) {
				refuse(refusal);
				return true;
			}

			confirmRef.current = {name: domain.name};
			setConfirm(confirmRef.current);
			// Keys typed after D in the same chunk must not answer the question.
			return false;
		}

		const refusal = consoleRefusal(domain);
		if (refusal !== undefined) {
			refuse(refusal);
			return true;
		}

		leavingRef.current = true;
		onConsole(domain.name);
		return false;
	};

	const answer = (reply: ConfirmAnswer) => {
		const asked = confirmRef.current;
		if (asked === null) {
			return;
		}

		confirmRef.current = null;
		setConfirm(null);
		if (reply === 'yes') {
			void runAction(asked.name, {doing: 'Destroying', done: 'Destroyed', failed: 'Cannot destroy'}, async () =>
				connection.destroy(asked.name));
		} else {
			report(infoStatus(`Left ${asked.name} alone`));
		}
	};

	// One handler for every key, never inactive: the dialog's keys go through it too, so no
	// key is lost while a newly mounted component subscribes. It reads only refs and the
	// selection store, so a copy from an earlier render behaves the same.
	useInput((input, key) => {
		if (leavingRef.current) {
			return;
		}

		if (isInterrupt(input, key)) {
			// Ctrl-C quits from anywhere, the dialog included.
			leavingRef.current = true;
			onQuit();
			return;
		}

		if (confirmRef.current !== null) {
			const reply = answerFor(input, key);
			if (reply !== undefined) {
				answer(reply);
			}

			return;
		}

		for (const command of listCommands(input, key)) {
			if (!run(command)) {
				break;
			}
		}
	});

	const question = confirm === null ? '' : destroyQuestion(confirm.name);
	const hostContent = hostLines(host.data, host.error);
	const layout = computeLayout({
		columns: size.columns,
		rows: size.rows,
		bottomRows: confirm === null ? statusHeight(status) : confirmHeight(question, size.columns),
		hostLines: hostContent.length,
	});

	useEffect(() => {
		list.dispatch({type: 'viewport', rows: layout.viewport});
	}, [layout.viewport, list.dispatch]);

	return (
		<Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
			<TitleBar uri={connection.uri} hostname={host.data?.hostname} simulated={connection.simulated} width={layout.width} />
			<Box flexDirection={layout.hostBeside ? 'row' : 'column'} height={layout.mainHeight} flexShrink={0}>
				<DomainList
					list={list.state}
					viewport={layout.viewport}
					width={layout.listWidth}
					height={layout.listHeight}
					error={domains.error}
				/>
				{layout.hostHeight > 0 ? (
					<HostPanel host={host.data} error={host.error} width={layout.hostWidth} height={layout.hostHeight} />
				) : null}
			</Box>
			{confirm === null ? (
				<StatusLine status={status} fallback={summary(list.state.items, list.state.loaded)} width={layout.width} />
			) : (
				<ConfirmDialog question={question} width={layout.width} />
			)}
			<KeyHints hints={confirm === null ? listHints : confirmHints} />
		</Box>
	);
}
