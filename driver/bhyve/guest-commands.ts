// The loader and bhyve command lines for one start, built by the one translator
// (command-build.ts) with this host's paths and capabilities: taps the supervisor created,
// the grub device map in our run directory, firmware looked up inside the (possibly
// simulated) host, and what its bhyve and grub-bhyve were probed to support.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import {cloneDomainDef, type DomainDef} from '../domain/model.js';
import {buildBhyveCommand, buildLoaderCommand, type BuildContext} from './command-build.js';
import type {HostCaps} from './capabilities.js';
import {currentHostCaps} from './capabilities-probe.js';

export const firmwareDir = '/usr/local/share/uefi-firmware';

export interface GuestCommands {
  loader: {argv: string[]; deviceMap?: {path: string; contents: string}} | null;
  bhyve: string[];
}

/** caps: the host's probed capabilities (default: what the daemon last probed for this host). */
export function buildGuestCommands(
  layout: HostLayout,
  definition: DomainDef,
  tapNames: string[],
  warn?: (m: string) => void,
  caps: HostCaps = currentHostCaps(layout),
): GuestCommands {
  // Building allocates PCI slots on the definition; keep the caller's copy untouched.
  const def = cloneDomainDef(definition);
  const deviceMapHostPath = path.posix.join('/var/run/bhyve-tui', `grub_bhyve-${def.name}-device.map`);
  const ctx: BuildContext = {
    caps: caps.caps,
    grubCaps: caps.grubCaps,
    dryRun: false,
    tapNames,
    deviceMapPath: deviceMapHostPath,
    firmwareDir,
    readFirmwareDir: (dir) => fs.readdirSync(layout.resolve(dir)),
  };
  if (warn) ctx.warn = warn;
  const loader = buildLoaderCommand(def, ctx);
  const bhyve = buildBhyveCommand(def, ctx);
  if (!loader) return {loader: null, bhyve};
  withLoaderConsole(def, loader.argv);
  return {
    loader:
      loader.deviceMap === undefined
        ? {argv: loader.argv}
        : {argv: loader.argv, deviceMap: {path: layout.resolve(deviceMapHostPath), contents: loader.deviceMap}},
    bhyve,
  };
}

/**
 * libvirt runs bhyveload on stdio (its output lands in the log, the menu is out of reach).
 * Like vm-bhyve, we give it the guest's console instead, so the loader menu and its
 * countdown show up in the console. Only for bhyveload with libvirt's generated arguments;
 * `domxml-to-native` still prints libvirt's exact line.
 */
export function withLoaderConsole(def: DomainDef, argv: string[]): void {
  if (path.basename(argv[0] ?? '') !== 'bhyveload' || def.bootloaderArgs !== undefined || argv.includes('-c')) return;
  const nmdm = def.serials.find((s) => s.type === 'nmdm' && s.master);
  if (nmdm) argv.splice(1, 0, '-c', nmdm.master!);
}
