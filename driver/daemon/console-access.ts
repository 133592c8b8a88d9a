// A running guest's console as the daemon hands it out: the user side of its nmdm pair
// (consoleDevice), or the console the daemon holds and relays (consoleFor, what attaches).
import {DriverError, type DomainState} from '../client/connection.js';
import {domainFacts} from '../domain/facts.js';
import {isRunning} from '../domain/state.js';
import type {GuestConsole} from '../console/hub.js';
import type {DomainManager} from './domain-manager.js';
import {observe} from './domain-status.js';

const noConsole = (name: string) => new DriverError(`domain '${name}' has no nmdm console; add <serial type='nmdm'/> to its definition`);
const notRunning = (name: string) => new DriverError(`domain '${name}' is not running; start it first`);

export function consoleDevice(m: DomainManager, name: string): {device: string; state: DomainState} {
  const {def} = m.definitions.findValid(name);
  const consoles = domainFacts(def).consoles;
  if (consoles.length === 0) throw noConsole(name);
  const state = observe(m, name).state;
  if (!isRunning(state)) throw notRunning(name);
  return {device: m.layout.resolve(consoles[0]!.slave), state};
}

export async function consoleFor(m: DomainManager, name: string): Promise<GuestConsole> {
  const {def} = m.definitions.findValid(name);
  if (domainFacts(def).consoles.length === 0) throw noConsole(name);
  const run = m.runs.get(name);
  if (!run) throw notRunning(name);
  // Right after a start the console may still be opening.
  const con = run.console ?? (await Promise.race([run.consoleReady, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]));
  // No console because the guest stopped meanwhile: say that, not that the console failed.
  if (!con && run.ending) throw notRunning(name);
  if (!con) throw new DriverError(`the console of '${name}' could not be opened; see its log (bhyve-tui log ${name})`);
  return con;
}
