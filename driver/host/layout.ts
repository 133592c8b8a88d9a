// Where things live on a host. The simulated host is a tree rooted at DIR that mirrors
// FreeBSD's hier(7) layout, so one layout (with root '' on FreeBSD) serves both. A layout
// is made by its host's backend (backend.ts), which code asks for anything beyond paths.
import path from 'node:path';
import type {HostBackend} from './backend.js';

export type HostTool = 'bhyve' | 'bhyveload' | 'bhyvectl' | 'grub-bhyve' | 'kldstat' | 'kldload' | 'ifconfig' | 'ps' | 'stty' | 'sysctl';

/**
 * FreeBSD path of each tool (grub-bhyve comes from ports, hence /usr/local). The product
 * runs them by these absolute paths: rc(8) gives a daemon PATH=/sbin:/bin:/usr/sbin:/usr/bin
 * only, and on the simulated host each path holds a stand-in with FreeBSD's grammar.
 */
export const HOST_TOOL_PATHS: Readonly<Record<HostTool, string>> = {
  bhyve: '/usr/sbin/bhyve',
  bhyveload: '/usr/sbin/bhyveload',
  bhyvectl: '/usr/sbin/bhyvectl',
  'grub-bhyve': '/usr/local/sbin/grub-bhyve',
  kldstat: '/sbin/kldstat',
  kldload: '/sbin/kldload',
  ifconfig: '/sbin/ifconfig',
  ps: '/bin/ps',
  stty: '/bin/stty',
  sysctl: '/sbin/sysctl',
};

export class HostLayout {
  /**
   * root: the directory host paths are taken below ('' for the real host, the simulated
   * host's directory otherwise). Private: what kind of host this is and how it behaves is
   * the backend's to say, not something to read off a path.
   */
  constructor(
    private readonly root: string,
    readonly backend: HostBackend,
  ) {}

  /** Tells hosts apart in in-process caches; says nothing about the host. */
  get key(): string {
    return this.root;
  }

  /** A host path (as written in domain XML or passed to a tool) as this process can open it. */
  resolve(hostPath: string): string {
    if (!this.root) return hostPath;
    return path.join(this.root, path.resolve('/', hostPath));
  }

  /** A path this process opens, as the host names it (resolve's inverse), for messages. */
  hostPath(p: string): string {
    return this.root ? p.slice(this.root.length) : p;
  }

  /** A message that may name paths this process opens, with the host's names for them. */
  inHostTerms(text: string): string {
    return this.root ? text.replaceAll(this.root, '') : text;
  }

  tool(name: HostTool): string {
    return this.resolve(HOST_TOOL_PATHS[name]);
  }

  /** A program named by a built command line ('bhyve', '/usr/sbin/bhyve', a custom loader path). */
  program(argv0: string): string {
    const base = path.basename(argv0);
    if (base in HOST_TOOL_PATHS) return this.tool(base as HostTool);
    return this.resolve(argv0);
  }

  get configDir(): string {
    return this.resolve('/usr/local/etc/bhyve-tui');
  }

  get domainsDir(): string {
    return path.join(this.configDir, 'domains');
  }

  get runDir(): string {
    return this.resolve('/var/run/bhyve-tui');
  }

  get logDir(): string {
    return this.resolve('/var/log/bhyve-tui');
  }

  get vmmDir(): string {
    return this.resolve('/dev/vmm');
  }
}
