// bhyve and grub-bhyve capability flags (libvirt's BHYVE_CAP_* / BHYVE_GRUB_CAP_*).

export const BHYVE_CAP_NAMES = [
  'RTC_UTC',
  'AHCI32SLOT',
  'NET_E1000',
  'LPC_BOOTROM',
  'FBUF',
  'XHCI',
  'CPUTOPOLOGY',
  'SOUND_HDA',
  'VNC_PASSWORD',
  'VIRTIO_9P',
  'VIRTIO_RND',
] as const;

export type BhyveCapName = (typeof BHYVE_CAP_NAMES)[number];

export const GRUB_CAP_NAMES = ['CONSDEV'] as const;
export type GrubCapName = (typeof GRUB_CAP_NAMES)[number];

export type BhyveCaps = ReadonlySet<BhyveCapName>;
export type GrubCaps = ReadonlySet<GrubCapName>;

export interface HostCaps {
  caps: BhyveCaps;
  grubCaps: GrubCaps;
}

/** Capabilities of a current FreeBSD 14 host: every bhyve feature the driver knows, grub --cons-dev. */
export function defaultHostCaps(): HostCaps {
  return {
    caps: new Set<BhyveCapName>(BHYVE_CAP_NAMES),
    grubCaps: new Set<GrubCapName>(['CONSDEV']),
  };
}

export function isBhyveCapName(s: string): s is BhyveCapName {
  return (BHYVE_CAP_NAMES as readonly string[]).includes(s);
}

export function isGrubCapName(s: string): s is GrubCapName {
  return (GRUB_CAP_NAMES as readonly string[]).includes(s);
}

/** Build a capability set from names; unknown names are rejected. */
export function bhyveCapsFrom(names: Iterable<string>): BhyveCaps {
  const out = new Set<BhyveCapName>();
  for (const n of names) {
    if (!isBhyveCapName(n)) throw new Error(`unknown bhyve capability '${n}'`);
    out.add(n);
  }
  return out;
}

export function grubCapsFrom(names: Iterable<string>): GrubCaps {
  const out = new Set<GrubCapName>();
  for (const n of names) {
    if (!isGrubCapName(n)) throw new Error(`unknown grub capability '${n}'`);
    out.add(n);
  }
  return out;
}

/**
 * Capability probing as libvirt does it at driver start, from the stderr
 * texts of the probe commands (see FEATURES §1.1). The caller runs the
 * commands; this only interprets their output. A missing text means the
 * probe could not run (cap off).
 */
export interface BhyveProbeOutputs {
  help?: string; // bhyve -h
  ahci?: string; // bhyve -s 0,ahci
  e1000?: string; // bhyve -s 0,e1000
  bootrom?: string; // bhyve -l bootrom
  fbuf?: string; // bhyve -s 0,fbuf
  xhci?: string; // bhyve -s 0,xhci
  hda?: string; // bhyve -s 0,hda
  fbufPassword?: string; // bhyve -s 0,fbuf,password=
  virtio9p?: string; // bhyve -s 0,virtio-9p
  virtioRnd?: string; // bhyve -s 0,virtio-rnd
  grubHelp?: string; // grub-bhyve --help (stdout)
}

export function capsFromProbeOutputs(o: BhyveProbeOutputs): HostCaps {
  const caps = new Set<BhyveCapName>();
  const lacks = (out: string | undefined, needle: string) => out !== undefined && !out.includes(needle);
  if (o.help !== undefined) {
    if (o.help.includes('-u:')) caps.add('RTC_UTC');
    if (!o.help.includes('-c vcpus')) caps.add('CPUTOPOLOGY');
  }
  if (lacks(o.ahci, 'pci slot 0:0: unknown device "ahci"')) caps.add('AHCI32SLOT');
  if (lacks(o.e1000, 'pci slot 0:0: unknown device "e1000"')) caps.add('NET_E1000');
  if (lacks(o.bootrom, "bhyve: invalid lpc device configuration 'bootrom'")) caps.add('LPC_BOOTROM');
  if (lacks(o.fbuf, 'pci slot 0:0: unknown device "fbuf"')) caps.add('FBUF');
  // libvirt 11.3.0 sets FBUF (not XHCI) when the xhci probe succeeds
  if (lacks(o.xhci, 'pci slot 0:0: unknown device "xhci"')) caps.add('FBUF');
  if (lacks(o.hda, 'pci slot 0:0: unknown device "hda"')) caps.add('SOUND_HDA');
  if (lacks(o.fbufPassword, 'Invalid fbuf emulation "password"')) caps.add('VNC_PASSWORD');
  // libvirt 11.3.0 looks for the "hda" message in the virtio-9p probe
  if (lacks(o.virtio9p, 'pci slot 0:0: unknown device "hda"')) caps.add('VIRTIO_9P');
  if (lacks(o.virtioRnd, 'pci slot 0:0: unknown device "virtio-rnd"')) caps.add('VIRTIO_RND');
  const grubCaps = new Set<GrubCapName>();
  if (o.grubHelp?.includes('--cons-dev')) grubCaps.add('CONSDEV');
  return { caps, grubCaps };
}
