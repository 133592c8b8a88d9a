// The TUI on several hosts, for tests in tmux: `node --import tsx test/helpers/multi-host-tui.ts
// NAME=URI ... [refuse:NAME] [hang:NAME]`. Each NAME=URI is a host reached with the
// ordinary client; refuse:NAME is a host whose connect fails at once, hang:NAME one whose
// connect never settles. The product's command line takes hosts another way (-c, settings).
import {DriverError, type Connection} from '../../driver/client/connection.js';
import {openConnection} from '../../driver/client/daemon-client.js';
import {runTui, type TuiHost} from '../../src/tui.js';

function hostOf(arg: string): TuiHost {
  const [kind, name = ''] = arg.split(':', 2);
  if (kind === 'refuse') {
    return {
      name,
      uri: `bhyve+ssh://root@${name}/system`,
      async connect() {
        throw new DriverError(`ssh: connect to host ${name} port 22: Connection refused`);
      },
    };
  }

  if (kind === 'hang') {
    return {name, uri: `bhyve+ssh://root@${name}/system`, connect: async () => new Promise<Connection>(() => {})};
  }

  const at = arg.indexOf('=');
  const uri = arg.slice(at + 1);
  return {name: arg.slice(0, at), uri, connect: async () => openConnection(uri)};
}

await runTui(process.argv.slice(2).map(hostOf));
// The hung host's promise must not keep the process alive.
process.exit(0);
