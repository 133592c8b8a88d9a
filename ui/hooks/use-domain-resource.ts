// One domain's details, problems or log, fetched when a view opens and again whenever the
// daemon reports an event about that domain (or about the definitions in general), plus a
// slow safety refresh. Views are keyed by the domain's name, so a new name mounts afresh.
import {useEffect} from 'react';
import type {Connection, DomainEvent} from '../../driver/client/connection.js';
import {usePoll, type Polled} from './use-poll.js';

function concerns(event: DomainEvent, name: string): boolean {
  return event.type === 'domains-changed' || event.type === 'host' || ('name' in event && event.name === name);
}

export function useDomainResource<T>(
  connection: Connection,
  name: string,
  fetch: (connection: Connection, name: string) => Promise<T>,
  options: {intervalMs: number},
): Polled<T> {
  const polled = usePoll(async () => fetch(connection, name), {intervalMs: options.intervalMs});
  const {refresh} = polled;
  useEffect(
    () =>
      connection.subscribe((event) => {
        if (concerns(event, name)) {
          void refresh();
        }
      }),
    [connection, name, refresh],
  );
  return polled;
}
