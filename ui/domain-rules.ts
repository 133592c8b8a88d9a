// Which actions make sense in which state, and what to tell the operator when they don't.
import type {DomainSummary} from '../driver/connection.js';

export interface Refusal {
	text: string;
	error?: boolean;
}

export function startRefusal(domain: DomainSummary): Refusal | undefined {
	switch (domain.state) {
		case 'running': {
			return {text: `${domain.name} is already running`};
		}

		case 'bootloader': {
			return {text: `${domain.name} is already starting (its loader is running) — press c to watch the console`};
		}

		case 'invalid': {
			return {text: `${domain.name} cannot start: ${domain.error ?? 'its definition is invalid'}`, error: true};
		}

		case 'shut off':
		case 'orphaned': {
			// An orphaned domain is left to the driver: it knows whether it can clean up first.
			return undefined;
		}
	}
}

export function destroyRefusal(domain: DomainSummary): Refusal | undefined {
	switch (domain.state) {
		case 'shut off':
		case 'invalid': {
			return {text: `${domain.name} is not running`};
		}

		case 'running':
		case 'bootloader':
		case 'orphaned': {
			return undefined;
		}
	}
}

export function consoleRefusal(domain: DomainSummary): Refusal | undefined {
	switch (domain.state) {
		case 'shut off': {
			return {text: `${domain.name} is not running — press s to start it`};
		}

		case 'orphaned': {
			return {text: `${domain.name} has no bhyve process — press D to clean it up`};
		}

		case 'invalid': {
			return {text: `${domain.name} cannot run: ${domain.error ?? 'its definition is invalid'}`, error: true};
		}

		case 'running':
		case 'bootloader': {
			// The loader (bhyveload, grub-bhyve) talks on the same console: worth watching.
			return undefined;
		}
	}
}

export function destroyQuestion(name: string): string {
	return `Destroy domain '${name}'? This stops it immediately, like pulling the plug. [y/N]`;
}
