// The domain list, polled from the connection. The rows go to `onDomains` (the selection
// store); this hook keeps only whether loading worked.
import type {Connection, DomainSummary} from '../driver/connection.js';
import {usePoll} from './use-poll.js';

export interface DomainsFeed {
	/** true once the first listDomains() call finished */
	settled: boolean;
	/** the last listDomains() failure; cleared by the next success */
	error: unknown;
	refresh(): Promise<void>;
}

export function useDomains(
	connection: Connection,
	options: {intervalMs: number; onDomains(domains: DomainSummary[]): void},
): DomainsFeed {
	const {settled, error, refresh} = usePoll(async () => connection.listDomains(), {
		intervalMs: options.intervalMs,
		onData: options.onDomains,
	});
	return {settled, error, refresh};
}
