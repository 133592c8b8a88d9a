// Domain names become paths under /dev/vmm, file names and arguments of commands, so they
// are checked before anything touches the host. The rule is vm-bhyve's (letters, digits,
// '.', '_', '-'; starting and ending with a letter or digit), within the longest name every
// file derived from it can hold.

/** VM_MAX_NAMELEN on FreeBSD 13+ (sys/dev/vmm/vmm_param.h: SPECNAMELEN 255 - 10 - 15 - 1). */
const KERNEL_NAME_MAX = 229;

/** NAME_MAX: the longest file name (one path component) of FreeBSD's and Linux's file systems, in bytes. */
const FILE_NAME_MAX = 255;

/**
 * Every file name bhyve-tui derives from a domain name, with its variable parts at their
 * longest: a pid of 7 digits (Linux's pid_max can reach 4194304; FreeBSD's PID_MAX is
 * 99999), a millisecond time of 13 digits, a per-process write counter of 10, an edit
 * attempt of 4. Keep in step with the writers: atomic-file.ts (`.BASE.PID.MS.tmp`, with a
 * `.SERIAL` before `.tmp` once the disk-full work lands), supervise/run-state.ts and
 * exit-recorder.ts (run files and their `.tmp`), domain-log.ts and console/hub.ts (logs,
 * `.1` on rotation), guest-commands.ts (grub's device map), tui-editor.ts
 * (`NAME-STAMP-ATTEMPT.xml`).
 */
function derivedFileNames(name: string): string[] {
  const atomicTmp = (base: string) => `.${base}.9999999.9999999999999.9999999999.tmp`;
  const stageFiles = ['loader', 'bhyve'].flatMap((stage) => [`${name}.${stage}.status`, `${name}.${stage}.pid`]);
  return [
    `${name}.xml`, // the definition
    `${name}.json`, // autostart entry, run record
    `${name}.last.json`, // how the last run ended
    ...[`${name}.xml`, `${name}.json`, `${name}.last.json`].map(atomicTmp),
    ...stageFiles,
    ...stageFiles.map((f) => `${f}.tmp`),
    `grub_bhyve-${name}-device.map`,
    `${name}.log`,
    `${name}.console.log`,
    `${name}.console.log.1`,
    `${name}-2026-01-01T00-00-00-000Z-9999.xml`, // an edit in the TUI
  ];
}

/** The longest name whose every derived file name fits FILE_NAME_MAX, and the kernel's limit. */
const DOMAIN_NAME_MAX = Math.min(KERNEL_NAME_MAX, FILE_NAME_MAX - Math.max(...derivedFileNames('').map((f) => Buffer.byteLength(f))));

const namePattern = new RegExp(`^[a-z0-9](?:[.a-z0-9_-]{0,${DOMAIN_NAME_MAX - 2}}[a-z0-9])?$`, 'i');

/** null when valid, else a one-line reason */
export function domainNameProblem(name: string): string | null {
  if (name === '') return 'domain name is empty';
  if (name.length > DOMAIN_NAME_MAX) {
    return `domain name '${printable(name.slice(0, 40))}…' is ${name.length} characters; at most ${DOMAIN_NAME_MAX} fit in the names of its files (${FILE_NAME_MAX} bytes)`;
  }
  if (!namePattern.test(name)) {
    return `invalid domain name '${printable(name)}': use letters, digits, '.', '_' and '-', starting and ending with a letter or digit`;
  }
  return null;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
