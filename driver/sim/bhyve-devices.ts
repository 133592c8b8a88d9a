// Device initialisation (init_pci in slot order): block backends must open, network
// backends open their tap, the LPC bridge opens com1..com4. Each failure prints what
// bhyve prints and exits 4. Returns what the guest will see.
import crypto from 'node:crypto';
import fs from 'node:fs';
import {pciFunctions, type Config} from './bhyve-config.js';
import {ConsolePort} from './console.js';
import type {GuestDevice} from './guest/boot-text.js';
import {openTap} from './taps.js';
import {errnoCode, fail, hostPath, strerror, writeErr, writeOut} from './tool-runtime.js';

export interface InitResult {
  devices: GuestDevice[];
  /** com1..com4 consoles that were configured */
  consoles: Map<string, ConsolePort>;
  tapsOpened: boolean;
}

function initError(code: string | undefined): never {
  fail(4, `Device emulation initialization error: ${strerror(code)}`);
}

function openBlock(root: string, p: string): number {
  try {
    const fd = fs.openSync(hostPath(root, p), 'r');
    const size = fs.fstatSync(fd).size;
    fs.closeSync(fd);
    return size;
  } catch (e) {
    const code = errnoCode(e);
    writeErr(`bhyve: Could not open backing file: ${p}: ${strerror(code)}\n`);
    initError(code);
  }
}

/** net_genmac(): OUI 00:a0:98 + first three bytes of MD5("slot-func-vmname"). */
function defaultMac(slot: number, func: number, vmName: string): string {
  const d = crypto.createHash('md5').update(`${slot}-${func}-${vmName}`).digest();
  return ['00', 'a0', '98', ...[d[0]!, d[1]!, d[2]!].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export function initDevices(root: string, cfg: Config, vmName: string, onTapOpened: () => void): InitResult {
  const res: InitResult = {devices: [], consoles: new Map(), tapsOpened: false};
  const count: Record<string, number> = {};
  const unit = (drv: string): string => `${drv}${(count[drv] = (count[drv] ?? -1) + 1)}`;
  let lpcSeen = false;
  for (const f of pciFunctions(cfg)) {
    const get = (k: string): string | undefined => cfg.get(`${f.key}.${k}`);
    switch (f.device) {
      case 'virtio-blk': {
        const p = get('path');
        const size = p ? openBlock(root, p) : 0;
        res.devices.push({dev: unit('vtbd'), sizeBytes: size});
        break;
      }
      case 'nvme': {
        const p = get('devpath') ?? get('path');
        if (p && !p.startsWith('ram=')) openBlock(root, p);
        break;
      }
      case 'ahci':
        for (let port = 0; cfg.has(`${f.key}.port.${port}.type`); port++) {
          const type = get(`port.${port}.type`);
          const p = get(`port.${port}.path`);
          const size = p ? openBlock(root, p) : 0;
          res.devices.push({dev: unit(type === 'cd' ? 'cd' : 'ada'), sizeBytes: size});
        }
        break;
      case 'virtio-net':
      case 'e1000': {
        const backend = get('backend');
        if (backend !== undefined) {
          if (!/^(tap|vmnet)/.test(backend)) initError('EINVAL');
          try {
            openTap(root, backend);
          } catch (e) {
            // printed with PRINTLN, i.e. on stdout
            writeOut(`open of tap device /dev/${backend} failed\n`);
            initError(errnoCode(e));
          }
          res.tapsOpened = true;
          onTapOpened();
        }
        const mac = get('mac') ?? defaultMac(f.slot, f.func, vmName);
        res.devices.push({dev: unit(f.device === 'e1000' ? 'em' : 'vtnet'), mac});
        break;
      }
      case 'lpc':
        if (f.bus !== 0) fail(4, 'LPC bridge can be present only on bus 0.');
        if (lpcSeen) fail(4, 'Only one LPC bridge is allowed.');
        lpcSeen = true;
        for (const com of ['com1', 'com2', 'com3', 'com4']) {
          const p = cfg.get(`lpc.${com}.path`);
          if (p === undefined) continue;
          try {
            res.consoles.set(com, ConsolePort.open(root, p));
          } catch (e) {
            writeErr(`Unable to initialize backend '${p}' for LPC device ${com}\n`);
            initError(errnoCode(e));
          }
        }
        break;
      default:
        break;
    }
  }
  return res;
}
