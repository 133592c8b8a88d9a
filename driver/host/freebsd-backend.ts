// The real host: FreeBSD's own paths, devices and kernel. Nothing needs preparing; the
// operator installs bhyve-tui and host-validate says what is missing.
import fs from 'node:fs';
import os from 'node:os';
import type {HostBackend, HostFacts} from './backend.js';
import {HostLayout} from './layout.js';

export class FreeBsdBackend implements HostBackend {
  readonly kind = 'freebsd';
  /** host paths map to themselves */
  readonly layout: HostLayout = new HostLayout('', this);
  readonly operator = 'root';

  claim(): void {}

  async ensureHost(): Promise<void> {}

  seedDomains(): void {}

  /**
   * O_NONBLOCK matters: on FreeBSD an open without it waits for carrier when CLOCAL is off
   * (sys/kern/tty.c ttydev_open); an nmdm name clones the pair.
   */
  async openConsoleDevice(hostPath: string): Promise<number> {
    return fs.openSync(hostPath, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  }

  hostFacts(): HostFacts {
    return {hostname: os.hostname(), ncpu: os.cpus().length || null, osrelease: os.release() || null};
  }
}
