// The simulator as a host backend (driver/host/backend.ts): FreeBSD's paths below the
// simulated host's directory, nmdm pairs made of Linux ptys, and facts from its host.json.
// The driver reaches the simulator only through this (driver/host/backend-for-uri.ts).
import os from 'node:os';
import type {HostBackend, HostFacts} from '../host/backend.js';
import {HostLayout} from '../host/layout.js';
import {readBoundedText} from '../io/bounded-read.js';
import {seedDemoDomains} from './demo-domains.js';
import {simLayout} from './layout.js';
import {openTtyBackendAsync} from './nmdm.js';
import {ensureSimHost} from './sim-host.js';
import {claimSimRoot, inspectSimRoot} from './sim-root.js';

/** The fields of host.json the driver shows (see README.md, "host.json"). */
interface HostJsonFacts {
  hostname?: string;
  ncpu?: number;
  osrelease?: unknown;
  tapUpOnOpen?: boolean;
  vmmHardware?: boolean;
}

export class SimHostBackend implements HostBackend {
  readonly kind = 'simulated';
  readonly layout: HostLayout;
  /** everything runs as the calling user; the tree is theirs */
  readonly operator = 'the user who owns the simulated host';

  /** root: the simulated host's directory (absolute); uri: the one it was named by, for messages */
  constructor(
    readonly root: string,
    private readonly uri?: string,
  ) {
    this.layout = new HostLayout(root, this);
  }

  claim(): void {
    claimSimRoot(this.root, this.uri);
  }

  async ensureHost(): Promise<void> {
    await ensureSimHost(this.root);
  }

  seedDomains(): void {
    seedDemoDomains(this.layout);
  }

  openConsoleDevice(hostPath: string): Promise<number> {
    return openTtyBackendAsync(this.root, hostPath);
  }

  /** host.json as it is now, without defaults filled in; a host.json that does not parse states nothing. */
  hostFacts(): HostFacts {
    let st: HostJsonFacts | null = null;
    try {
      const parsed: unknown = JSON.parse(readBoundedText(simLayout(this.root).hostJson, {maxBytes: 1024 * 1024}));
      if (typeof parsed === 'object' && parsed !== null) st = parsed as HostJsonFacts;
    } catch {
      // missing or broken: the simulator's tools say so; the facts are unknown
    }
    if (!st) return {hostname: os.hostname(), ncpu: null, osrelease: null};
    const facts: HostFacts = {
      hostname: st.hostname ?? os.hostname(),
      ncpu: st.ncpu ?? null,
      // the release the simulator models when host.json names none
      osrelease: typeof st.osrelease === 'string' ? st.osrelease : '14.2-RELEASE',
      virtualization: st.vmmHardware === false ? 'none (VT-x/AMD-V missing or disabled)' : 'VT-x with EPT and unrestricted guest (simulated)',
    };
    if (st.tapUpOnOpen !== undefined) facts.tapUpOnOpen = st.tapUpOnOpen;
    return facts;
  }
}

/**
 * The backend for a sim:// URI's directory. Refused here, before any verb can write: a path
 * that resolves to '/' through a link, and a directory with content the simulator did not
 * write (sim-root.ts).
 */
export function simBackendForUri(root: string, uri: string): SimHostBackend {
  inspectSimRoot(root, uri);
  return new SimHostBackend(root, uri);
}

/** A simulated host's layout without any check of its directory: tests and scripts that made the tree themselves. */
export function simHostLayout(root: string): HostLayout {
  return new SimHostBackend(root).layout;
}
