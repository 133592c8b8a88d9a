// What the details view shows about a domain: its devices as the operator thinks of them,
// how it boots, and the exact command lines a start would run (the domxml-to-native dry run).
import fs from 'node:fs';
import path from 'node:path';
import type {DomainDetails, DomainState} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {cloneDomainDef, type DomainDef} from './model.js';
import {domainDefToNative} from '../bhyve/native-argv-convert.js';
import {buildLoaderCommand, defaultHostCaps, DEVICE_MAP_PLACEHOLDER} from '../bhyve/command-build.js';
import type {HostCaps} from '../bhyve/capabilities.js';
import {withLoaderConsole} from '../bhyve/guest-commands.js';
import {renderCommandLineFlat} from '../bhyve/argv-render.js';

function bootMethod(def: DomainDef): string {
  if (def.bootloader !== undefined) return path.basename(def.bootloader).includes('grub-bhyve') ? 'grub-bhyve' : `custom loader ${def.bootloader}`;
  if (def.os.loader?.path) return `UEFI (${def.os.loader.path})`;
  if (def.os.firmware === 'efi') return 'UEFI (firmware chosen at start)';
  return 'bhyveload';
}

function vncOf(def: DomainDef): DomainDetails['vnc'] {
  const g = def.graphics.find((x) => x.type === 'vnc');
  if (!g) return undefined;
  const listen = g.listens.find((l) => l.address)?.address ?? '127.0.0.1';
  const local = listen === '127.0.0.1' || listen === '::1' || listen === 'localhost';
  const vnc: NonNullable<DomainDetails['vnc']> = {listen, port: g.autoport || g.port <= 0 ? 'auto' : g.port, password: !!g.passwd};
  if (!local && !g.passwd) vnc.warning = `VNC listens on ${listen} without a password: anyone who can reach this host sees the guest's screen`;
  return vnc;
}

/** caps: the host's probed capabilities (the daemon passes them; the default is a current FreeBSD's full set). */
export function domainPreview(
  layout: HostLayout,
  def: DomainDef,
  file: string,
  live: {state: DomainState; reason?: string; autostart: boolean; taps: string[]},
  caps: HostCaps = defaultHostCaps(),
): DomainDetails {
  let tap = 0;
  const details: DomainDetails = {
    name: def.name,
    uuid: def.uuid,
    state: live.state,
    vcpus: def.vcpus,
    memoryKiB: def.memoryKiB,
    autostart: live.autostart,
    file,
    boot: bootMethod(def),
    disks: def.disks.map((d) => {
      const disk: DomainDetails['disks'][number] = {target: d.target.dev, bus: d.target.bus, device: d.device};
      if (d.source) {
        disk.source = d.source;
        if (d.type === 'file' || d.type === 'block') disk.exists = fs.existsSync(layout.resolve(d.source));
      }
      return disk;
    }),
    nics: def.nets.map((n) => {
      const nic: DomainDetails['nics'][number] = {type: n.type};
      if (n.model) nic.model = n.model;
      if (n.type === 'bridge' && n.source) {
        nic.bridge = n.source;
        const t = live.taps[tap++];
        if (t) nic.tap = t;
      }
      if (n.mac) nic.mac = n.mac;
      return nic;
    }),
    consoles: def.serials.filter((s) => s.type === 'nmdm' && s.master && s.slave).map((s) => ({master: s.master!, slave: s.slave!})),
  };
  if (live.reason) details.reason = live.reason;
  const vnc = vncOf(def);
  if (vnc) details.vnc = vnc;
  try {
    // libvirt's dry run (tap0, no VNC port), with the one thing bhyve-tui adds at start:
    // bhyveload on the guest's console.
    const copy = cloneDomainDef(def);
    const native = domainDefToNative(copy, {caps: caps.caps, grubCaps: caps.grubCaps});
    const ctx = {caps: caps.caps, grubCaps: caps.grubCaps, dryRun: true, deviceMapPath: DEVICE_MAP_PLACEHOLDER, autoPrepare: false};
    const loader = native.trimEnd().split('\n').length > 1 ? buildLoaderCommand(cloneDomainDef(def), ctx) : null;
    const bhyve = native.trimEnd().split('\n').pop()!;
    if (loader) {
      withLoaderConsole(def, loader.argv);
      details.commands = {loader: renderCommandLineFlat(loader.argv).trimEnd(), bhyve};
    } else {
      details.commands = {bhyve};
    }
  } catch (e) {
    details.commandsError = (e as Error).message;
  }
  return details;
}
