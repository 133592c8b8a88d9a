// Host readiness (kernel modules, tap sysctl, CPU virtualization): fetched at start, on the
// daemon's `host` events, and by a slow safety poll.
import {useEffect} from 'react';
import type {Connection, HostStatus} from '../../driver/client/connection.js';
import {usePoll, type Polled} from './use-poll.js';

export function useHostStatus(connection: Connection, options: {intervalMs: number; initial?: HostStatus | undefined}): Polled<HostStatus> {
  const polled = usePoll(async () => connection.hostStatus(), {intervalMs: options.intervalMs, initial: options.initial});
  const {refresh} = polled;
  useEffect(
    () =>
      connection.subscribe((event) => {
        if (event.type === 'host') {
          void refresh();
        }
      }),
    [connection, refresh],
  );
  return polled;
}
