// Which actions make sense in which state, and what to tell the operator when they don't.
import type {DomainSummary} from '../../driver/client/connection.js';
import {isActive, needsCleanup} from '../../driver/domain/state.js';

export interface Refusal {
  text: string;
  error?: boolean;
}

const invalid = (domain: DomainSummary): Refusal => ({
  text: `${domain.name} cannot start: ${domain.error ?? 'its definition is invalid'} — e shows the errors, E edits`,
  error: true,
});

export function startRefusal(domain: DomainSummary): Refusal | undefined {
  switch (domain.state) {
    case 'running': {
      return {text: `${domain.name} is already running`};
    }

    case 'bootloader': {
      return {text: `${domain.name} is already starting (its loader is running) — press c to watch the console`};
    }

    case 'in shutdown': {
      return {text: `${domain.name} is shutting down — wait for it, or press D to power it off now`};
    }

    case 'invalid': {
      return invalid(domain);
    }

    case 'shut off':
    case 'crashed':
    case 'orphaned': {
      // An orphaned domain is left to the driver: it knows whether it can clean up first.
      return undefined;
    }
  }
}

export function shutdownRefusal(domain: DomainSummary): Refusal | undefined {
  switch (domain.state) {
    case 'running': {
      return undefined;
    }

    case 'bootloader': {
      return {text: `${domain.name} is still in its loader, which ignores the power button — D destroys it`};
    }

    case 'in shutdown': {
      return {text: `${domain.name} is already shutting down — D powers it off now`};
    }

    case 'orphaned': {
      return {text: `${domain.name} has no bhyve process to shut down — press D to clean it up`};
    }

    case 'shut off':
    case 'crashed':
    case 'invalid': {
      return {text: `${domain.name} is not running`};
    }
  }
}

export function destroyRefusal(domain: DomainSummary): Refusal | undefined {
  // A guest that holds its VM stops; what a crash or an orphan left is cleaned up.
  return isActive(domain.state) || needsCleanup(domain.state) ? undefined : {text: `${domain.name} is not running`};
}

export function rebootRefusal(domain: DomainSummary): Refusal | undefined {
  return domain.state === 'running' ? undefined : {text: `${domain.name} is ${domain.state}; only a running domain can be rebooted`};
}

export function undefineRefusal(domain: DomainSummary): Refusal | undefined {
  return isActive(domain.state) ? {text: `${domain.name} is ${domain.state}; shut it down (t) or destroy it (D) before undefining it`} : undefined;
}

export function consoleRefusal(domain: DomainSummary): Refusal | undefined {
  switch (domain.state) {
    case 'shut off':
    case 'crashed': {
      return {text: `${domain.name} is not running — press s to start it`};
    }

    case 'orphaned': {
      return {text: `${domain.name} has no bhyve process — press D to clean it up`};
    }

    case 'invalid': {
      return invalid(domain);
    }

    case 'running':
    case 'bootloader':
    case 'in shutdown': {
      // The loader (bhyveload, grub-bhyve) talks on the same console: worth watching.
      return undefined;
    }
  }
}

/** ` on nyc2`, when the TUI shows several hosts. */
const on = (host: string | undefined): string => (host === undefined ? '' : ` on ${host}`);

export function destroyQuestion(name: string, host?: string): string {
  return `Destroy domain '${name}'${on(host)}? This stops it immediately, like pulling the plug. [y/N]`;
}

export function rebootQuestion(name: string, host?: string): string {
  return `Reboot domain '${name}'${on(host)}? This resets it at once, like the reset button; unsaved data in the guest is lost. [y/N]`;
}

export function kldloadQuestion(module: string, label: string, persist: string | undefined, host?: string): string {
  return `Load the kernel module ${label === module ? module : `${label} (${module})`}${on(host)} now with 'kldload ${module}'? To load it at every boot as well: ${persist ?? `sysrc kld_list+=${module}`} [y/N]`;
}

export function undefineQuestion(name: string, host?: string): string {
  return `Undefine domain '${name}'${on(host)}? Its definition is removed (disk images stay). Type the name to confirm:`;
}
