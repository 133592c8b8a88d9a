// The links of several hosts as React state: one map of their states, replaced whenever a
// link changes phase (connecting, ready, error), so the list's headers and the feeds follow.
import {useCallback, useRef, useSyncExternalStore} from 'react';
import type {HostLinks} from '../app/hosts.js';
import type {HostLinkState} from '../state/host-link.js';

export function useHostLinks(hosts: HostLinks): ReadonlyMap<string, HostLinkState> {
  const snapshot = useRef<ReadonlyMap<string, HostLinkState>>(new Map());
  const subscribe = useCallback(
    (listener: () => void) => {
      const offs = hosts.links.map((link) => link.subscribe(listener));
      return () => {
        for (const off of offs) {
          off();
        }
      };
    },
    [hosts],
  );
  const read = useCallback(() => {
    const previous = snapshot.current;
    const changed = previous.size !== hosts.links.length || hosts.links.some((link) => previous.get(link.host.name) !== link.getState());
    if (changed) {
      snapshot.current = new Map(hosts.links.map((link) => [link.host.name, link.getState()]));
    }

    return snapshot.current;
  }, [hosts]);
  return useSyncExternalStore(subscribe, read, read);
}
