// Domain names become paths under /dev/vmm and arguments of commands, so they are checked
// before anything touches the host. The rule is vm-bhyve's (letters, digits, '.', '_', '-';
// starting and ending with a letter or digit), within the kernel's 229-byte limit (13+).
const namePattern = /^[a-z0-9](?:[.a-z0-9_-]{0,227}[a-z0-9])?$/i;

/** null when valid, else a one-line reason */
export function domainNameProblem(name: string): string | null {
  if (name === '') return 'domain name is empty';
  if (name.length > 229) return `domain name '${name.slice(0, 40)}…' is longer than 229 characters`;
  if (!namePattern.test(name)) {
    return `invalid domain name '${printable(name)}': use letters, digits, '.', '_' and '-', starting and ending with a letter or digit`;
  }
  return null;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
