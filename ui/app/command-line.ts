// The `:` command line: the CLI's verbs (virsh names) typed inside the TUI. Verbs that
// show something in the TUI (details, errors, log, edit, console, help, filter, sort, quit)
// are handled by the App; the rest go to the bootstrap's runner, which runs the CLI verb
// in-process. A verb that needs a domain and got none gets the selected one.

export type UiVerb = 'quit' | 'help' | 'details' | 'errors' | 'log' | 'edit' | 'console' | 'filter' | 'sort';

export const uiVerbs: Record<string, UiVerb> = {
	q: 'quit',
	quit: 'quit',
	exit: 'quit',
	help: 'help',
	'?': 'help',
	details: 'details',
	dominfo: 'details',
	errors: 'errors',
	problems: 'errors',
	validate: 'errors',
	log: 'log',
	edit: 'edit',
	console: 'console',
	filter: 'filter',
	sort: 'sort',
};

/** CLI verbs that act on one domain: without a name they get the selected one. */
export const domainVerbs = new Set(['start', 'shutdown', 'destroy', 'reboot', 'undefine', 'autostart', 'dumpxml', 'domstate', 'domxml-to-native', 'details', 'dominfo', 'errors', 'problems', 'validate', 'log', 'edit', 'console']);

export const knownVerbs = [...new Set([...Object.keys(uiVerbs).filter(verb => verb.length > 1), 'start', 'shutdown', 'destroy', 'reboot', 'undefine', 'autostart', 'dumpxml', 'define', 'list', 'domstate', 'version'])].sort();

/** Splits a command line like a shell would for simple cases: blanks, 'single' and "double" quotes. */
export function parseArgv(line: string): string[] {
	const argv: string[] = [];
	let current = '';
	let quote: string | undefined;
	let started = false;
	for (const char of line) {
		if (quote !== undefined) {
			if (char === quote) {
				quote = undefined;
			} else {
				current += char;
			}
		} else if (char === '\'' || char === '"') {
			quote = char;
			started = true;
		} else if (/\s/.test(char)) {
			if (started || current !== '') {
				argv.push(current);
			}

			current = '';
			started = false;
		} else {
			current += char;
		}
	}

	if (started || current !== '') {
		argv.push(current);
	}

	return argv;
}

/** argv with the selected domain appended when a domain verb has no positional argument. */
export function withDefaultDomain(argv: readonly string[], selected: string | undefined): string[] {
	const [verb, ...rest] = argv;
	if (verb === undefined || !domainVerbs.has(verb) || selected === undefined) {
		return [...argv];
	}

	const hasName = rest.some(argument => !argument.startsWith('-'));
	return hasName ? [...argv] : [...argv, selected];
}

/** The domain name argument of a domain verb (its last positional argument). */
export function domainArgument(argv: readonly string[]): string | undefined {
	return argv.slice(1).filter(argument => !argument.startsWith('-')).at(-1);
}

/** Tab: completes the last word with a verb (first word) or a domain name. */
export function complete(line: string, names: readonly string[]): string {
	const match = /(\S*)$/.exec(line);
	const word = match?.[1] ?? '';
	const first = line.trim() === word;
	const candidates = (first ? knownVerbs : names).filter(candidate => candidate.startsWith(word));
	if (candidates.length === 0) {
		return line;
	}

	let common = candidates[0] ?? '';
	for (const candidate of candidates) {
		while (!candidate.startsWith(common)) {
			common = common.slice(0, -1);
		}
	}

	const done = candidates.length === 1;
	return line.slice(0, line.length - word.length) + common + (done ? ' ' : '');
}

/**
 * The verbs the TUI can run on its own, used when the bootstrap gives no runner: the
 * lifecycle verbs, autostart and dumpxml, with the CLI's messages. Throws for the rest.
 */
export async function runOnConnection(connection: import('../../driver/client/connection.js').Connection, argv: readonly string[], options: {shutdownTimeoutS?: number} = {}): Promise<string> {
	const [verb] = argv;
	const name = domainArgument(argv);
	const flags = new Set(argv.filter(argument => argument.startsWith('-')));
	if (verb === undefined) {
		return '';
	}

	if (name === undefined && ['start', 'shutdown', 'destroy', 'reboot', 'undefine', 'autostart', 'dumpxml'].includes(verb)) {
		throw new Error(`${verb}: which domain? e.g. :${verb} web1`);
	}

	const domainName = name ?? '';
	switch (verb) {
		case 'start': {
			await connection.start(domainName);
			return `Domain '${domainName}' started`;
		}

		case 'shutdown': {
			await connection.shutdown(domainName, options.shutdownTimeoutS === undefined ? undefined : {timeoutS: options.shutdownTimeoutS});
			return `Domain '${domainName}' is being shutdown`;
		}

		case 'destroy': {
			await connection.destroy(domainName);
			return `Domain '${domainName}' destroyed`;
		}

		case 'reboot': {
			await connection.reboot(domainName);
			return `Domain '${domainName}' is being rebooted`;
		}

		case 'undefine': {
			await connection.undefine(domainName);
			return `Domain '${domainName}' has been undefined`;
		}

		case 'autostart': {
			const enable = !flags.has('--disable');
			await connection.setAutostart(domainName, enable);
			return enable ? `Domain '${domainName}' marked as autostarted` : `Domain '${domainName}' unmarked as autostarted`;
		}

		case 'dumpxml': {
			return connection.domainXml(domainName);
		}

		default: {
			throw new Error(`unknown command '${verb}' — ? lists the commands`);
		}
	}
}
