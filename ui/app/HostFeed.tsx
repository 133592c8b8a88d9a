// One connected host's data when the TUI shows several: its listing, events and safety poll
// go into the shared table (its rows only), its status to the App. Mounted while the host's
// link is ready, afresh for each connection; draws nothing. A listing that fails or goes
// unanswered (BoundedConnection) means the connection is lost: the link retries it.
import {useEffect} from 'react';
import type {Connection, HostStatus} from '../../driver/client/connection.js';
import type {HostLink} from '../hooks/host-link.js';
import {useDomainFeed} from '../hooks/use-domain-table.js';
import {useHostStatus} from '../hooks/use-host-status.js';
import type {TableAction, TableState} from '../state/domain-table-state.js';
import type {Store} from '../state/store.js';

export interface FedStatus {
  data: HostStatus | undefined;
  error: unknown;
}

export function HostFeed(props: {
  link: HostLink;
  connection: Connection;
  store: Store<TableState, TableAction>;
  idleMs: number;
  busyMs: number;
  onStatus(host: string, status: FedStatus | undefined): void;
  /** how the App refreshes this host; undefined once it is gone */
  onRefresh(host: string, refresh: (() => Promise<void>) | undefined): void;
}) {
  const {link, connection, store, onStatus, onRefresh} = props;
  const host = link.host.name;
  const feed = useDomainFeed(connection, store, {host, idleMs: props.idleMs, busyMs: props.busyMs});
  const status = useHostStatus(connection, {intervalMs: props.idleMs});

  useEffect(() => {
    // The host's latest listing: the rows appear at once, not after the next one.
    const first = link.lastListing();
    if (first !== undefined) {
      store.dispatch({type: 'data', domains: first, host});
    }
  }, [link, store, host]);

  useEffect(() => {
    if (feed.error !== undefined) {
      link.lost(feed.error);
    }
  }, [feed.error, link]);

  useEffect(() => {
    onStatus(host, {data: status.data, error: status.error});
  }, [host, onStatus, status.data, status.error]);
  useEffect(() => () => onStatus(host, undefined), [host, onStatus]);

  const refreshFeed = feed.refresh;
  const refreshStatus = status.refresh;
  useEffect(() => {
    onRefresh(host, async () => {
      await Promise.all([refreshFeed(), refreshStatus()]);
    });
    return () => {
      onRefresh(host, undefined);
    };
  }, [host, onRefresh, refreshFeed, refreshStatus]);

  return null;
}
