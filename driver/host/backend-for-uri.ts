// Which backend serves a connection URI: bhyve:// is FreeBSD itself, sim:// the simulator.
// The one module outside driver/sim/ that may import the simulator
// (test/driver/host/backend-boundary.test.ts); everything else gets a HostBackend.
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import {parseConnectionUri} from '../client/connection-uri.js';
import {simBackendForUri} from '../sim/sim-backend.js';
import type {HostBackend} from './backend.js';
import {FreeBsdBackend} from './freebsd-backend.js';

export function backendForUri(uri: string): HostBackend {
  const parsed = parseConnectionUri(uri);
  // The far end's bhyve-tui picks its own backend (bhyve-tui proxy); this host has none for it.
  if (parsed.transport === 'ssh') throw new DriverError(`'${uri}' is a remote host: it is reached over ssh, not through a backend of this host`);
  if (parsed.driver === 'bhyve') {
    if (process.platform !== 'freebsd') {
      throw new DriverError(`cannot connect to '${uri}': this is not a FreeBSD host; use a simulated host, e.g. -c sim:///tmp/bhyve-sim`);
    }
    return new FreeBsdBackend();
  }
  return simBackendForUri(path.resolve(parsed.path), uri);
}
