// `bhyve-tui proxy`: the far end of a bhyve+ssh:// connection (proxy-main.ts). The launcher
// runs the usual `[-c URI] proxy` without loading the command line; this verb is the same
// relay for any other spelling, and its help.
import type {CommandSpec} from './command-spec.js';
import {runProxy} from './proxy-main.js';

export const proxyCommands: CommandSpec[] = [
  {
    name: 'proxy',
    synopsis: 'proxy',
    summary: "relay a remote client's connection to this host's daemon (run by ssh for bhyve+ssh:// URIs)",
    flags: [],
    args: 0,
    hidden: true,
    needsTerminal: () => 'ssh runs it for a remote client',
    run: (ctx) => runProxy(ctx.uri, ctx.note),
  },
];
