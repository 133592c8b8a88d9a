// bhyve and grub-bhyve capability flags (libvirt's BHYVE_CAP_* / BHYVE_GRUB_CAP_*).

const BHYVE_CAP_NAMES = [
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
type GrubCapName = (typeof GRUB_CAP_NAMES)[number];

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

function isBhyveCapName(s: string): s is BhyveCapName {
  return (BHYVE_CAP_NAMES as readonly string[]).includes(s);
}

function isGrubCapName(s: string): s is GrubCapName {
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
 * texts of the probe commands (libvirt's src/bhyve/bhyve_capabilities.c; the
 * probes and what each release answers: driver/sim/README.md, "Releases and
 * capabilities"). The caller runs the commands; this only interprets their
 * output. A missing text means the probe could not run (cap off).
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

/**
 * pci_parse_slot()'s complaint about the probe's `-s 0,EMUL`, in both forms bhyve has
 * printed it: `pci slot 0:0: unknown device "EMUL"` (slot:function, up to 12.x — the text
 * libvirt 11.3.0 matches literally) and `pci slot 0:0:0: unknown device "EMUL"`
 * (bus:slot:function, the config-tree parser of 13.0 and later). Matching only the old
 * form, as libvirt does, would take every device as present on a current bhyve.
 */
function reportsUnknownDevice(stderr: string, emulation: string): boolean {
  return stderr.includes(`pci slot 0:0: unknown device "${emulation}"`) || stderr.includes(`pci slot 0:0:0: unknown device "${emulation}"`);
}

/**
 * libvirt's probes with two of its slips put right (both invisible on every real release,
 * where fbuf/xhci and hda/virtio-9p come and go together):
 * - XHCI comes from the xhci probe (libvirt sets FBUF there and never sets XHCI);
 * - VIRTIO_9P from the virtio-9p probe (libvirt looks for the hda message there).
 * VNC_PASSWORD: the password option is only parsed at device init, so no release ever
 * prints "Invalid fbuf emulation" to the probe and libvirt always sets the cap; it is left
 * off here when the same probe says there is no fbuf at all.
 */
export function capsFromProbeOutputs(o: BhyveProbeOutputs): HostCaps {
  const caps = new Set<BhyveCapName>();
  const has = (out: string | undefined, emulation: string) => out !== undefined && !reportsUnknownDevice(out, emulation);
  if (o.help !== undefined) {
    if (o.help.includes('-u:')) caps.add('RTC_UTC');
    // "-c vcpus" is the usage line from before CPU topology support (≤ 11.x)
    if (!o.help.includes('-c vcpus')) caps.add('CPUTOPOLOGY');
  }
  if (has(o.ahci, 'ahci')) caps.add('AHCI32SLOT');
  if (has(o.e1000, 'e1000')) caps.add('NET_E1000');
  if (o.bootrom !== undefined && !o.bootrom.includes("bhyve: invalid lpc device configuration 'bootrom'")) caps.add('LPC_BOOTROM');
  if (has(o.fbuf, 'fbuf')) caps.add('FBUF');
  if (has(o.xhci, 'xhci')) caps.add('XHCI');
  if (has(o.hda, 'hda')) caps.add('SOUND_HDA');
  if (has(o.fbufPassword, 'fbuf') && !o.fbufPassword!.includes('Invalid fbuf emulation "password"')) caps.add('VNC_PASSWORD');
  if (has(o.virtio9p, 'virtio-9p')) caps.add('VIRTIO_9P');
  if (has(o.virtioRnd, 'virtio-rnd')) caps.add('VIRTIO_RND');
  const grubCaps = new Set<GrubCapName>();
  if (o.grubHelp?.includes('--cons-dev')) grubCaps.add('CONSDEV');
  return {caps, grubCaps};
}

/** The caps in libvirt's order (BHYVE_CAP_NAMES), for display and JSON. */
export function capNames(caps: BhyveCaps): BhyveCapName[] {
  return BHYVE_CAP_NAMES.filter((n) => caps.has(n));
}

/** One line for the host panel: what this bhyve lacks of what bhyve-tui knows. */
export function capsSummary(host: HostCaps): string {
  const missing = BHYVE_CAP_NAMES.filter((n) => !host.caps.has(n));
  const grub = host.grubCaps.has('CONSDEV') ? '' : '; grub-bhyve without --cons-dev';
  if (missing.length === 0) return `all ${BHYVE_CAP_NAMES.length} bhyve capabilities${grub}`;
  if (missing.length === BHYVE_CAP_NAMES.length) return `no bhyve capabilities${grub}`;
  return `${BHYVE_CAP_NAMES.length - missing.length} of ${BHYVE_CAP_NAMES.length} bhyve capabilities, no ${missing.join(', ')}${grub}`;
}
