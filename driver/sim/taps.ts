// /dev/tapN as bhyve's tap backend opens it: exclusive (EBUSY for a second opener),
// cloned on open if missing (devfs cloning, root), brought up by bhyve itself, and
// brought down again on last close.
import {updateHostStateSync} from './host-state.js';
import {addClone, findIf, liveOpener, unitInUse} from './interfaces.js';
import {errnoError} from './tool-runtime.js';

export function openTap(root: string, name: string): void {
  const err = updateHostStateSync(root, (st): string | null => {
    let i = findIf(st, name);
    if (!i) {
      const m = /^(tap|vmnet)(\d+)$/.exec(name);
      const mod = st.modules.if_tuntap;
      if (!m || (mod !== 'loaded' && mod !== 'builtin')) return 'ENOENT';
      const driver = m[1] as 'tap' | 'vmnet';
      if (unitInUse(st, driver, Number(m[2]))) return 'ENOENT';
      i = addClone(st, driver, Number(m[2]));
    }
    if (i.driver !== 'tap' && i.driver !== 'vmnet') return 'ENXIO';
    const holder = liveOpener(i);
    if (holder !== null && holder !== process.pid) return 'EBUSY';
    i.openedBy = process.pid;
    i.up = true;
    return null;
  });
  if (err) throw errnoError(err);
}

/** Last close: the tap goes down (not vmnet), the interface and bridge membership stay. */
export function closeTaps(root: string): void {
  updateHostStateSync(root, (st) => {
    for (const i of st.interfaces) {
      if (i.openedBy === process.pid) {
        i.openedBy = null;
        if (i.driver === 'tap') i.up = false;
      }
    }
  });
}
