// Start-time preparation: UEFI firmware auto-selection for <os firmware='efi'>
// (libvirt's bhyveProcessPrepareDomain).

import {readdirSync} from 'node:fs';
import {DomainPrepareError} from '../domain/errors.js';
import type {DomainDef} from '../domain/model.js';

export const DEFAULT_FIRMWARE_DIR = '/usr/local/share/uefi-firmware';
export const PREFERRED_FIRMWARE = 'BHYVE_UEFI.fd';

export interface PrepareContext {
  /** libvirt's firmware_dir; the string is used verbatim in the loader path. */
  firmwareDir?: string;
  /** Lists the directory (default fs.readdirSync); names starting with '.' are skipped. */
  readFirmwareDir?: (dir: string) => string[];
}

/** Pick the firmware file: BHYVE_UEFI.fd if present, else the first entry; undefined if none. */
function selectFirmware(entries: readonly string[]): string | undefined {
  const files = entries.filter((e) => !e.startsWith('.'));
  if (files.includes(PREFERRED_FIRMWARE)) return PREFERRED_FIRMWARE;
  return files[0];
}

/**
 * Fill in <os><loader> for <os firmware='efi'> from the firmware directory.
 * Mutates and returns `def`. Throws DomainPrepareError.
 */
export function prepareDomain(def: DomainDef, ctx: PrepareContext = {}): DomainDef {
  if (def.os.firmware !== 'efi') return def;
  const dir = ctx.firmwareDir ?? DEFAULT_FIRMWARE_DIR;
  let entries: string[];
  try {
    entries = (ctx.readFirmwareDir ?? ((d: string) => readdirSync(d)))(dir);
  } catch (e) {
    // a missing directory simply has no firmware in it
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DomainPrepareError('internal', `cannot open directory '${dir}': ${(e as Error).message}`);
    }
    entries = [];
  }
  const fw = selectFirmware(entries);
  if (fw === undefined) throw new DomainPrepareError('config-unsupported', `no firmwares found in ${dir}`);
  const loader = def.os.loader ?? {};
  if (loader.format !== undefined && loader.format !== 'raw') {
    throw new DomainPrepareError('config-unsupported', `Unsupported loader format '${loader.format}'`);
  }
  def.os.loader = {...loader, path: `${dir.replace(/\/+$/, '') || '/'}/${fw}`.replace(/^\/\//, '/'), type: 'pflash', readonly: 'yes', format: 'raw'};
  return def;
}
