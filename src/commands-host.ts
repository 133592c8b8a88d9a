// Verbs about the host itself: host-validate (virt-host-validate's counterpart) and its
// --smoke run, which boots a throw-away guest end to end.
import {layoutForUri} from '../driver/client/daemon-client.js';
import {parseConnectionUri} from '../driver/client/connection-uri.js';
import {formatChecks, validateHost} from '../driver/host/validate.js';
import {runSmoke} from '../driver/host/smoke.js';
import {DriverError} from '../driver/client/connection.js';
import type {CommandSpec} from './command-spec.js';

export const hostCommands: CommandSpec[] = [
  {
    name: 'host-validate',
    synopsis: 'host-validate [--smoke]',
    summary: 'check that this host can run guests, like virt-host-validate (--smoke: boot a throw-away guest)',
    flags: ['--smoke'],
    args: 0,
    async run(ctx) {
      const remote = parseConnectionUri(ctx.uri);
      if (remote.transport === 'ssh') {
        throw new DriverError(
          `host-validate checks the host it runs on: run it there, e.g. ssh ${remote.port ? `-p ${remote.port} ` : ''}${remote.user ? `${remote.user}@` : ''}${remote.host} bhyve-tui host-validate (the TUI's host panel shows the same findings for ${remote.host})`,
        );
      }
      const layout = layoutForUri(ctx.uri);
      // Like every other verb, a simulated host is made on first use (in a new or empty
      // directory, or one the simulator made; anything else is refused).
      await layout.backend.ensureHost();
      layout.backend.seedDomains();
      if (ctx.flags.has('--smoke')) {
        if (layout.backend.kind === 'freebsd' && (process.platform !== 'freebsd' || process.getuid?.() !== 0)) {
          throw new DriverError('host-validate --smoke starts a real guest: run it as root on a FreeBSD host, or against a simulated host (-c sim:///DIR)');
        }
        ctx.print(`Smoke test on ${ctx.uri}: a throw-away guest booting this host's kernel\n`);
        const ok = await runSmoke(await ctx.connect(), layout, (s) => ctx.print(`${s.status.padEnd(4)}  ${s.title.padEnd(9)} ${s.detail}\n`));
        ctx.print(ok ? 'Smoke test passed\n' : 'Smoke test FAILED\n');
        return ok ? 0 : 1;
      }
      const checks = await validateHost(layout);
      ctx.print(formatChecks(checks));
      return checks.some((c) => c.status === 'FAIL') ? 1 : 0;
    },
  },
];
