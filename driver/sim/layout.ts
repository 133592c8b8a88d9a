// Where things live inside a sim root (DIR). Kept in one place so README and code agree.
import path from 'node:path';

export const simLayout = (root: string) => ({
  hostJson: path.join(root, 'host.json'),
  dmesgBoot: path.join(root, 'var', 'run', 'dmesg.boot'),
  /** what pkg installed: node (a link to the one running the simulator), bhyve-firmware */
  node: path.join(root, 'usr', 'local', 'bin', 'node'),
  uefiFirmware: path.join(root, 'usr', 'local', 'share', 'uefi-firmware', 'BHYVE_UEFI.fd'),
  dev: path.join(root, 'dev'),
  vmmDir: path.join(root, 'dev', 'vmm'),
  /** simulator bookkeeping: locks, temp files, relay pid files */
  run: path.join(root, 'var', 'run', 'bhyve-sim'),
  hostLock: path.join(root, 'var', 'run', 'bhyve-sim', 'host.lock'),
  tmp: path.join(root, 'var', 'run', 'bhyve-sim', 'tmp'),
  nmdmRun: path.join(root, 'var', 'run', 'bhyve-sim', 'nmdm'),
  /** one JSON line per run of bhyve and grub-bhyve ({tool, argv, pid}): lets tests count probes */
  invocations: path.join(root, 'var', 'run', 'bhyve-sim', 'invocations.log'),
  /** where an aborting bhyve changes directory so any core file stays in the tree */
  crash: path.join(root, 'var', 'crash'),
});
