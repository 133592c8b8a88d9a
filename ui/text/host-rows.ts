// What the list says about each host when the TUI shows several: the group's header row
// (name, its domains or its error and the retry countdown, URI), the line under the
// table while a header is selected, and the status line's summary. Plain data; DomainList
// draws it.
import type {ListedDomain} from '../state/domain-table-state.js';
import {retryInSeconds, type HostLinkState} from '../state/host-link.js';
import {tint} from './format.js';
import type {Segment} from './styled-segment.js';

/** What the list knows of a host besides its rows. */
export interface HostInfo {
  name: string;
  uri: string;
  link: HostLinkState;
}

function countText(domains: readonly ListedDomain[]): string {
  const running = domains.filter((domain) => domain.state === 'running').length;
  return `${domains.length} domain${domains.length === 1 ? '' : 's'}, ${running} running`;
}

/** The link's condition in a few words: the counts, `connecting… 3 s`, or the error and the countdown. */
function conditionText(info: HostInfo, domains: readonly ListedDomain[], now: number): {text: string; color?: string; dim?: boolean} {
  switch (info.link.phase) {
    case 'ready': {
      return {text: countText(domains), dim: true};
    }

    case 'connecting': {
      const waited = Math.max(0, Math.floor((now - info.link.since) / 1000));
      return {text: `connecting…${waited > 0 ? ` ${waited} s` : ''}`, color: 'yellow'};
    }

    case 'error': {
      return {text: `✘ ${info.link.error ?? 'unreachable'} — retry in ${retryInSeconds(info.link, now)} s`, color: 'red'};
    }
  }
}

/** The header row of a host's group. */
export function hostHeaderSegments(info: HostInfo, domains: readonly ListedDomain[], now: number): Segment[] {
  const condition = conditionText(info, domains, now);
  // The URI last: in a narrow list the error and its countdown matter more.
  return [
    {text: info.name, bold: true, color: tint('cyan')},
    {text: '  '},
    {text: condition.text, color: condition.color === undefined ? undefined : tint(condition.color), dim: condition.dim},
    {text: `  ${info.uri}`, dim: true},
  ];
}

/** The line under the table while a host's header is selected. */
export function hostDetailText(info: HostInfo, domains: readonly ListedDomain[], now: number): {text: string; color?: string; dim?: boolean} {
  const condition = conditionText(info, domains, now);
  if (info.link.phase === 'error') {
    return {text: `${info.name}: ${condition.text}`, color: 'red'};
  }

  return {text: `${info.name} (${info.uri}): ${condition.text}`, ...(condition.color === undefined ? {dim: true} : {color: condition.color})};
}

/** The status line's text while no action has reported anything, with several hosts. */
export function hostsSummary(hosts: readonly HostInfo[], domains: readonly ListedDomain[]): string {
  const ready = hosts.filter((host) => host.link.phase === 'ready').length;
  const down = hosts.filter((host) => host.link.phase === 'error').length;
  return `${countText(domains)} on ${ready} of ${hosts.length} hosts${down > 0 ? `, ${down} unreachable` : ''}  ·  ? help`;
}
