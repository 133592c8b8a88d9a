// Host readiness (kernel modules, CPUs), polled from the connection.
import type {Connection, HostStatus} from '../driver/connection.js';
import {usePoll, type Polled} from './use-poll.js';

export function useHostStatus(connection: Connection, options: {intervalMs: number}): Polled<HostStatus> {
	return usePoll(async () => connection.hostStatus(), {intervalMs: options.intervalMs});
}
