// One interface for the host the daemon serves, real or simulated. Code that needs to know
// how to open a console, what the host is (name, CPUs, release) or what must happen before
// a daemon serves it asks the backend, instead of guessing from where the host's files
// live: FreeBSD's backend is freebsd-backend.ts, the simulator's driver/sim/sim-backend.ts,
// and backend-for-uri.ts picks one for a connection URI (the only code outside driver/sim/
// that names the simulator; test/driver/host/backend-boundary.test.ts holds it to that).
import type {HostLayout} from './layout.js';

/** What the host says about itself, for the host panel, preflight and the capability probe. */
export interface HostFacts {
  hostname: string;
  /** CPUs guests may use; null when unknown */
  ncpu: number | null;
  /** uname -r; null when unknown */
  osrelease: string | null;
  /** net.link.tap.up_on_open, when the host states it outright (the simulator; FreeBSD's is probed by host-validate) */
  tapUpOnOpen?: boolean;
  /** the CPU's virtualization support, when the host states it outright (the simulator) */
  virtualization?: string;
}

export interface HostBackend {
  /**
   * What the user is told (the SIMULATED HOST badge) and the rare rule about real guests
   * (host-validate --smoke needs root on FreeBSD); anything else is asked of the methods below.
   */
  readonly kind: 'freebsd' | 'simulated';
  /**
   * Where things live: FreeBSD's paths, or the same paths below the simulated host's
   * directory. Tools are run the same way on both (driver/host/tools.ts), by these paths;
   * on the simulator each holds a stand-in with FreeBSD's grammar.
   */
  readonly layout: HostLayout;
  /** who may reach the daemon's socket and run guests, as messages name them */
  readonly operator: string;
  /**
   * Before anything is written on the host (a daemon's log): the simulator makes and marks
   * its directory, or refuses one that is not its own. Nothing to do on FreeBSD.
   */
  claim(): void;
  /**
   * Before a daemon serves the host, or host-validate looks at it: the simulator builds its
   * tree (tool stand-ins, host.json, devices), or refuses a directory that is not its own.
   * A FreeBSD host is what it is.
   */
  ensureHost(): Promise<void>;
  /** Once the host is ensured: the simulator's demo domains, the first time only. None on FreeBSD. */
  seedDomains(): void;
  /**
   * Opens a console's tty device as bhyve does (O_RDWR|O_NONBLOCK|O_NOCTTY); an nmdm name
   * clones the pair, as FreeBSD's devfs does. Returns the descriptor. Async because the
   * simulator may first start a pair's relay; on FreeBSD the open returns at once.
   */
  openConsoleDevice(hostPath: string): Promise<number>;
  /** Read each time: a simulated host's facts may be changed under a running daemon. */
  hostFacts(): HostFacts;
}
