// What the simulated bhyve(8) of each FreeBSD release accepts and prints while it parses
// its options: the part libvirt's capability probe (bhyve -h, bhyve -s 0,EMUL, bhyve -l
// bootrom) looks at. Sources per release: driver/sim/README.md, "Releases and capabilities".
// After option parsing every release behaves like the 14.x bhyve the rest of the simulator
// models (do_open, device init, the guest).
import type {SimRelease} from './host-state.js';

export interface BhyveRelease {
  release: SimRelease;
  /** getopt(3) string of main() / bhyve_optparse() without BHYVE_SNAPSHOT */
  optstring: string;
  usage(prog: string): string;
  /** pci_devemu_set names, in the order `-s help` prints them */
  emulations: readonly string[];
  /** `-l help` list (13+); ≤12 has no `-s help` / `-l help` */
  lpcHelp: readonly string[] | null;
  /** com1..comN accepted by lpc_device_parse */
  comPorts: number;
  /** config-tree pci_parse_slot (13+): `pci slot B:S:F: ...`, unknown device checked before
   * a duplicate slot, exit 4. Older: `pci slot S:F: ...`, duplicate first, exit 1. */
  configTree: boolean;
  /** -c takes `[[cpus=]n][,sockets=n][,cores=n][,threads=n]` (12+); 10.x used atoi(3) */
  topology: boolean;
}

const pad = (prog: string) => ' '.repeat(prog.length);

/** 10.4: usr.sbin/bhyve/bhyverun.c usage() of release/10.4.0. */
function usage104(prog: string): string {
  return (
    `Usage: ${prog} [-abehuwxACHPSWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]\n` +
    `       ${pad(prog)} [-m mem] [-p vcpu:hostcpu] [-s <pci>] [-U uuid] <vm>\n` +
    '       -a: local apic is in xAPIC mode (deprecated)\n' +
    '       -A: create ACPI tables\n' +
    '       -c: # cpus (default 1)\n' +
    '       -C: include guest memory in core file\n' +
    '       -e: exit on unhandled I/O access\n' +
    '       -g: gdb port\n' +
    '       -h: help\n' +
    '       -H: vmexit from the guest on hlt\n' +
    '       -l: LPC device configuration\n' +
    '       -m: memory size in MB\n' +
    "       -p: pin 'vcpu' to 'hostcpu'\n" +
    '       -P: vmexit from the guest on pause\n' +
    '       -s: <slot,driver,configinfo> PCI slot config\n' +
    '       -S: guest memory cannot be swapped\n' +
    '       -u: RTC keeps UTC time\n' +
    '       -U: uuid\n' +
    '       -w: ignore unimplemented MSRs\n' +
    '       -W: force virtio to use single-vector MSI\n' +
    '       -x: local apic is in x2APIC mode\n' +
    '       -Y: disable MPtable generation\n'
  );
}

/**
 * 13.x bhyverun.c usage() and 14.x (bhyverun.c, later amd64/bhyverun_machdep.c
 * bhyve_usage()); 15 dropped `-A` (ACPI tables are always built, -A is a no-op).
 */
function usageConfigTree(withA: boolean) {
  return (prog: string): string =>
    `Usage: ${prog} [-${withA ? 'A' : ''}aCDeHhPSuWwxY]\n` +
    `       ${pad(prog)} [-c [[cpus=]numcpus][,sockets=n][,cores=n][,threads=n]]\n` +
    `       ${pad(prog)} [-G port] [-k config_file] [-l lpc] [-m mem] [-o var=value]\n` +
    `       ${pad(prog)} [-p vcpu:hostcpu] [-r file] [-s pci] [-U uuid] vmname\n` +
    (withA ? '       -A: create ACPI tables\n' : '') +
    '       -a: local apic is in xAPIC mode (deprecated)\n' +
    '       -C: include guest memory in core file\n' +
    '       -c: number of CPUs and/or topology specification\n' +
    '       -D: destroy on power-off\n' +
    '       -e: exit on unhandled I/O access\n' +
    '       -G: start a debug server\n' +
    '       -H: vmexit from the guest on HLT\n' +
    '       -h: help\n' +
    '       -k: key=value flat config file\n' +
    '       -K: PS2 keyboard layout\n' +
    '       -l: LPC device configuration\n' +
    '       -m: memory size\n' +
    "       -o: set config 'var' to 'value'\n" +
    '       -P: vmexit from the guest on pause\n' +
    "       -p: pin 'vcpu' to 'hostcpu'\n" +
    '       -S: guest memory cannot be swapped\n' +
    '       -s: <slot,driver,configinfo> PCI slot config\n' +
    '       -U: UUID\n' +
    '       -u: RTC keeps UTC time\n' +
    '       -W: force virtio to use single-vector MSI\n' +
    '       -w: ignore unimplemented MSRs\n' +
    '       -x: local APIC is in x2APIC mode\n' +
    '       -Y: disable MPtable generation\n';
}

/** bhyve.8 (Oct 2023) emulation list, in linker-set order as far as known. */
const EMULATIONS_14 = [
  'hostbridge',
  'amd_hostbridge',
  'passthru',
  'virtio-net',
  'virtio-blk',
  'virtio-scsi',
  'virtio-9p',
  'virtio-rnd',
  'virtio-console',
  'virtio-input',
  'ahci',
  'ahci-cd',
  'ahci-hd',
  'e1000',
  'uart',
  'lpc',
  'fbuf',
  'xhci',
  'nvme',
  'hda',
] as const;

/** 10.4: the PCI_EMUL_SET()s of the pci_*.c files built by its Makefile (no fbuf, xhci, hda, 9p). */
const EMULATIONS_10 = [
  'hostbridge',
  'amd_hostbridge',
  'passthru',
  'virtio-net',
  'virtio-blk',
  'virtio-rnd',
  'ahci',
  'ahci-hd',
  'ahci-cd',
  'e1000',
  'uart',
  'lpc',
] as const;

const PROFILES: Record<SimRelease, BhyveRelease> = {
  '10.4': {
    release: '10.4',
    optstring: 'abehuwxACHIPSWYp:g:c:s:m:l:U:',
    usage: usage104,
    emulations: EMULATIONS_10,
    lpcHelp: null,
    comPorts: 2,
    configTree: false,
    topology: false,
  },
  '13.2': {
    release: '13.2',
    optstring: 'aehuwxACDHIPSWYk:o:p:G:c:s:m:l:K:U:',
    usage: usageConfigTree(true),
    emulations: EMULATIONS_14,
    lpcHelp: ['bootrom', 'com1', 'com2', 'com3', 'com4', 'pc-testdev'],
    comPorts: 4,
    configTree: true,
    topology: true,
  },
  '14.2': {
    release: '14.2',
    optstring: 'aehuwxACDHIPSWYk:f:o:p:G:c:s:m:l:K:U:',
    usage: usageConfigTree(true),
    emulations: EMULATIONS_14,
    lpcHelp: ['bootrom', 'com1', 'com2', 'com3', 'com4', 'tpm', 'pc-testdev'],
    comPorts: 4,
    configTree: true,
    topology: true,
  },
  '15.0': {
    release: '15.0',
    optstring: 'aehuwxACDHIPSWYk:f:o:p:G:c:s:m:l:K:U:',
    usage: usageConfigTree(false),
    emulations: EMULATIONS_14,
    lpcHelp: ['bootrom', 'com1', 'com2', 'com3', 'com4', 'tpm', 'pc-testdev'],
    comPorts: 4,
    configTree: true,
    topology: true,
  },
};

export function bhyveRelease(release: SimRelease): BhyveRelease {
  return PROFILES[release];
}
