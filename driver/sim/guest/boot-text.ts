// Console text of a FreeBSD 14.2 guest: kernel probe messages sized from the bhyve
// configuration, rc start-up, and the shutdown sequences for reboot, power-off and halt.
export const GUEST_RELEASE = '14.2-RELEASE';
export const GUEST_BUILD = 'releng/14.2-n269506-c8918d6c7412';

export interface GuestDevice {
  /** FreeBSD driver name and unit, e.g. vtnet0, vtbd0, ada0, cd0, em0 */
  dev: string;
  mac?: string;
  sizeBytes?: number;
}

export interface GuestConfig {
  vmName: string;
  cpus: number;
  sockets: number;
  cores: number;
  threads: number;
  memoryBytes: number;
  devices: GuestDevice[];
  uefi: boolean;
  /**
   * The kernel came from the host (`bhyveload -h /`): it looks for the host's root file
   * system (/etc/fstab of the host), which is no disk of this VM.
   */
  hostKernel?: boolean;
}

const MB = 1024 * 1024;

function diskLine(d: GuestDevice): string[] {
  const size = d.sizeBytes ?? 0;
  const sectors = Math.floor(size / 512);
  if (d.dev.startsWith('vtbd')) {
    return [`${d.dev}: ${Math.floor(size / MB)}MB (${sectors} 512 byte sectors)`];
  }
  if (d.dev.startsWith('ada')) {
    return [
      `${d.dev} at ahcich0 bus 0 scbus0 target 0 lun 0`,
      `${d.dev}: <BHYVE SATA DISK 001> ATA-9 SATA 3.x device`,
      `${d.dev}: ${Math.floor(size / MB)}MB (${sectors} 512 byte sectors)`,
    ];
  }
  if (d.dev.startsWith('cd')) {
    return [`${d.dev} at ahcich1 bus 0 scbus1 target 0 lun 0`, `${d.dev}: <BHYVE SATA DVD ROM 001> Removable CD-ROM SCSI device`];
  }
  return [];
}

export function kernelBootLines(g: GuestConfig, now: Date): string[] {
  const realMb = Math.floor(g.memoryBytes / MB);
  const avail = Math.floor(g.memoryBytes * 0.92);
  const lines: string[] = [];
  if (g.uefi)
    lines.push(
      'BdsDxe: loading Boot0001 "UEFI BHYVE SATA DISK BHYVE-0000" from PciRoot(0x0)/Pci(0x3,0x0)/Sata(0x0,0xFFFF,0x0)',
      'BdsDxe: starting Boot0001',
      '',
    );
  lines.push(
    '---<<BOOT>>---',
    'Copyright (c) 1992-2024 The FreeBSD Project.',
    'Copyright (c) 1979, 1980, 1983, 1986, 1988, 1989, 1991, 1992, 1993, 1994',
    '\tThe Regents of the University of California. All rights reserved.',
    'FreeBSD is a registered trademark of The FreeBSD Foundation.',
    `FreeBSD ${GUEST_RELEASE} ${GUEST_BUILD} GENERIC amd64`,
    'FreeBSD clang version 18.1.6 (https://github.com/llvm/llvm-project.git llvmorg-18.1.6-0-g1118c2e05e67)',
    'VT: init without driver.',
    'CPU: Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz (2194.92-MHz K8-class CPU)',
    `real memory  = ${g.memoryBytes} (${realMb} MB)`,
    `avail memory = ${avail} (${Math.floor(avail / MB)} MB)`,
    'Event timer "LAPIC" quality 600',
    'ACPI APIC Table: <BHYVE  BVMADT  >',
  );
  if (g.cpus > 1) {
    lines.push(
      `FreeBSD/SMP: Multiprocessor System Detected: ${g.cpus} CPUs`,
      `FreeBSD/SMP: ${g.sockets} package(s) x ${g.cores} core(s)${g.threads > 1 ? ` x ${g.threads} hardware threads` : ''}`,
    );
  }
  lines.push(
    'random: registering fast source Intel Secure Key RNG',
    'ioapic0 <Version 1.1> irqs 0-31',
    'Launching APs: ' + Array.from({length: g.cpus - 1}, (_, i) => i + 1).join(' '),
  );
  for (const d of g.devices) {
    if (d.dev.startsWith('vtnet')) lines.push(`${d.dev}: <VirtIO Networking Adapter> on virtio_pci0`, `${d.dev}: Ethernet address: ${d.mac}`);
    else if (d.dev.startsWith('em'))
      lines.push(
        `${d.dev}: <Intel(R) PRO/1000 Network Connection> port 0x2000-0x203f mem 0xc0000000-0xc001ffff irq 16 at device 2.0 on pci0`,
        `${d.dev}: Ethernet address: ${d.mac}`,
      );
    else if (d.dev.startsWith('vtbd')) lines.push(`${d.dev}: <VirtIO Block Adapter> on virtio_pci1`);
  }
  lines.push('uart0: <16550 or compatible> port 0x3f8-0x3ff irq 4 flags 0x10 on acpi0', 'uart0: console (115200,n,8,1)');
  for (const d of g.devices) lines.push(...diskLine(d));
  const rootDisk = g.hostKernel ? undefined : g.devices.find((d) => d.dev.startsWith('vtbd') || d.dev.startsWith('ada'))?.dev;
  const rootDev = rootDisk ?? (g.hostKernel ? 'ada0' : 'vtbd0');
  lines.push(`Trying to mount root from ufs:/dev/${rootDev}p2 [rw]...`);
  // No disk to mount (e.g. `bhyveload -h /` booting the host's kernel): vfs_mountroot.c
  // reports the failure and waits at its prompt; there is no init to start.
  if (!rootDisk) return [...lines, ...mountrootLines(rootDev)];
  lines.push(
    'Setting hostuuid: 2b5d6c0e-1f3a-11ef-9c4e-589cfc000001.',
    'Setting hostid: 0x6f1e3c5a.',
    'Starting file system checks:',
    `/dev/${rootDev}p2: FILE SYSTEM CLEAN; SKIPPING CHECKS`,
    'Mounting local filesystems:.',
    'ELF ldconfig path: /lib /usr/lib /usr/lib/compat /usr/local/lib',
    '32-bit compatibility ldconfig path: /usr/lib32',
    `Setting hostname: ${g.vmName}.`,
    `Starting Network: lo0${g.devices
      .filter((d) => d.mac)
      .map((d) => ` ${d.dev}`)
      .join('')}.`,
    'Starting devd.',
    'Creating and/or trimming log files.',
    'Starting syslogd.',
    'Clearing /tmp (X related).',
    'Updating motd:.',
    'Starting sshd.',
    'Starting cron.',
    '',
    formatDate(now),
    '',
  );
  return lines;
}

/** What vfs_mountroot.c prints when the root file system cannot be mounted; the prompt follows. */
function mountrootLines(rootDev: string): string[] {
  return [
    `Mounting from ufs:/dev/${rootDev}p2 failed with error 19.`,
    '',
    'Loader variables:',
    `  vfs.root.mountfrom=ufs:/dev/${rootDev}p2`,
    '  vfs.root.mountfrom.options=rw',
    '',
    'Manual root filesystem specification:',
    '  <fstype>:<device> [options]',
    '      Mount <device> using filesystem <fstype>',
    '      and with the specified (optional) option list.',
    '',
    '    eg. ufs:/dev/da0s1a',
    '        zfs:zroot/ROOT/default',
    '        cd9660:/dev/cd0 ro',
    '          (which is equivalent to: mount -t cd9660 -o ro /dev/cd0 /)',
    '',
    '  ?               List valid disk boot devices',
    '  .               Yield 1 second (for background tasks)',
    '  <empty line>    Abort manual input',
    '',
  ];
}

export const MOUNTROOT_PROMPT = 'mountroot> ';

export function loginBanner(vmName: string): string {
  return `\r\nFreeBSD/amd64 (${vmName}) (ttyu0)\r\n\r\nlogin: `;
}

export type PowerAction = 'reboot' | 'poweroff' | 'halt';

export function shutdownLines(action: PowerAction, uptimeSec: number, viaAcpi: boolean): string[] {
  const lines: string[] = [];
  if (viaAcpi) lines.push('Power button pressed, shutting down.');
  lines.push(
    'Stopping cron.',
    'Waiting for PIDS: 712.',
    'Stopping sshd.',
    'Waiting for PIDS: 690.',
    'Stopping devd.',
    'Waiting for PIDS: 431.',
    'Writing entropy file: .',
    'Writing early boot entropy file: .',
    '.',
    'Terminated',
    `${formatDate(new Date())}`,
    "Waiting (max 60 seconds) for system process `vnlru' to stop... done",
    "Waiting (max 60 seconds) for system process `syncer' to stop... ",
    'Syncing disks, vnodes remaining... 0 0 done',
    'All buffers synced.',
    `Uptime: ${formatUptimeShort(uptimeSec)}`,
  );
  if (action === 'reboot') lines.push('Rebooting...', 'cpu_reset: Restarting BSP', 'cpu_reset_proxy: Stopped CPU 1');
  else if (action === 'poweroff') lines.push('acpi0: Powering system off');
  else lines.push('', 'The operating system has halted.', 'Please press any key to reboot.', '');
  return lines;
}

function formatUptimeShort(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** date(1) default format, UTC: "Sat Nov 29 01:23:45 UTC 2025" */
export function formatDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}
