// An in-memory Connection for component tests: domains and host status are plain data,
// every call is counted, and start/destroy can be made to fail or to wait for a gate.
import {DriverError, type Connection, type DomainSummary, type HostStatus, type ModuleStatus} from '../../driver/connection.js';

export function domain(name: string, state: DomainSummary['state'] = 'shut off', extra: Partial<DomainSummary> = {}): DomainSummary {
	const invalid = state === 'invalid';
	return {
		name,
		state,
		vcpus: invalid ? null : 2,
		memoryKiB: invalid ? null : 2 * 1024 * 1024,
		file: `/usr/local/etc/bhyve-tui/domains/${name}.xml`,
		...(state === 'running' ? {pid: 4242} : {}),
		...extra,
	};
}

export const allModules: ModuleStatus[] = [
	{name: 'vmm', label: 'vmm', loaded: true},
	{name: 'if_tuntap', label: 'if_tuntap/if_tap', loaded: true},
	{name: 'if_bridge', label: 'if_bridge', loaded: true},
	{name: 'nmdm', label: 'nmdm', loaded: true},
];

export interface Gate {
	promise: Promise<void>;
	open(): void;
}

export function gate(): Gate {
	let open!: () => void;
	const promise = new Promise<void>(resolve => {
		open = resolve;
	});
	return {promise, open};
}

export class FakeConnection implements Connection {
	readonly uri: string;
	readonly simulated: boolean;
	domains: DomainSummary[];
	modules: ModuleStatus[] = allModules.map(module => ({...module}));
	ncpu: number | null = 4;
	hostname = 'fakehost';

	/** thrown by the next start()/destroy()/listDomains() when set */
	startError: Error | undefined;
	destroyError: Error | undefined;
	listError: Error | undefined;
	/** start()/destroy() wait for this before finishing */
	actionGate: Gate | undefined;

	readonly calls: string[] = [];
	listCalls = 0;
	hostCalls = 0;
	listInFlight = 0;
	maxListInFlight = 0;
	listDelayMs = 0;
	closed = false;

	constructor(domains: DomainSummary[], options: {simulated?: boolean; uri?: string} = {}) {
		this.domains = domains;
		this.simulated = options.simulated ?? false;
		this.uri = options.uri ?? 'bhyve:///system';
	}

	async listDomains(): Promise<DomainSummary[]> {
		this.listCalls++;
		this.listInFlight++;
		this.maxListInFlight = Math.max(this.maxListInFlight, this.listInFlight);
		try {
			if (this.listDelayMs > 0) {
				await new Promise(resolve => setTimeout(resolve, this.listDelayMs));
			}

			if (this.listError !== undefined) {
				throw this.listError;
			}

			return this.domains.map(entry => ({...entry}));
		} finally {
			this.listInFlight--;
		}
	}

	async hostStatus(): Promise<HostStatus> {
		this.hostCalls++;
		return {
			uri: this.uri,
			simulated: this.simulated,
			hostname: this.hostname,
			modules: this.modules.map(module => ({...module})),
			ncpu: this.ncpu,
		};
	}

	async start(name: string): Promise<void> {
		this.calls.push(`start ${name}`);
		await this.actionGate?.promise;
		if (this.startError !== undefined) {
			throw this.startError;
		}

		this.setState(name, 'running');
	}

	async destroy(name: string): Promise<void> {
		this.calls.push(`destroy ${name}`);
		await this.actionGate?.promise;
		if (this.destroyError !== undefined) {
			throw this.destroyError;
		}

		this.setState(name, 'shut off');
	}

	async consoleDevice(name: string): Promise<string> {
		this.calls.push(`consoleDevice ${name}`);
		return `/dev/nmdm-${name}.1B`;
	}

	close(): void {
		this.closed = true;
	}

	setState(name: string, state: DomainSummary['state']): void {
		this.domains = this.domains.map(entry => {
			if (entry.name !== name) {
				return entry;
			}

			const {pid: _pid, ...rest} = entry;
			return state === 'running' ? {...rest, state, pid: 4242} : {...rest, state};
		});
	}
}

export {DriverError};
