// Component tests for the confirmations (destroy, reboot, undefine by typed name, kldload),
// autostart, the `:` command line and the edit flow with an invalid then a valid save.
import test from 'ava';
import type {ModuleName} from '../../../driver/client/connection.js';
import type {EditRequest, EditResult} from '../../../ui/app/App.js';
import {DriverError, FakeConnection, domain, missingModule} from '../helpers/fake-connection.js';
import {ESC, keys, press, renderApp, sleep} from '../helpers/helpers.js';

function small(): FakeConnection {
  return new FakeConnection([domain('web1', 'running'), domain('db1', 'shut off'), domain('broken', 'invalid', {error: 'line 4: <memory> is missing'})]);
}

test('R asks before a reboot; y reboots, anything else leaves it alone', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitFor(() => app.selected() === 'web1');
  app.write('R');
  await app.waitForText("Reboot domain 'web1'? This resets it at once");
  app.write('n');
  await app.waitForText('Left web1 alone');
  app.write('R');
  await app.waitForText('[y/N]');
  app.write('y');
  await app.waitForText('Rebooted web1');
  t.deepEqual(connection.calls, ['reboot web1']);
  app.write('kR');
  await app.waitForText('db1 is shut off; only a running domain can be rebooted');
  app.unmount();
});

test('U asks for the name to be typed; a wrong name does not undefine; the right one does', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'db1'});
  await app.waitFor(() => app.selected() === 'db1');
  app.write('U');
  let frame = await app.waitForText("Undefine domain 'db1'?");
  t.true(frame.includes('Type the name to confirm'));
  t.true(frame.includes('type db1'));
  // Letters that are list keys go into the field, not to the list.
  app.write('dbx');
  frame = await app.waitForText('does not match');
  app.write(keys.enter);
  await sleep(50);
  t.true(app.frame().includes('does not match'), 'Enter with the wrong name leaves the question open');
  t.deepEqual(connection.calls, []);
  app.write(keys.backspace);
  app.write('1');
  await app.waitForText('Enter undefines it');
  app.write(keys.enter);
  frame = await app.waitForText("Domain 'db1' has been undefined");
  t.deepEqual(connection.calls, ['undefine db1']);
  t.false(/db1\s+shut off/.test(frame));
  app.unmount();
});

test('U then Esc cancels; U on a running domain explains', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'db1'});
  await app.waitFor(() => app.selected() === 'db1');
  app.write('Udb');
  await app.waitForText('Undefine domain');
  await press(app, ESC);
  await app.waitForText('Left db1 alone');
  app.write('jU');
  await app.waitForText('web1 is running; shut it down (t) or destroy it (D) before undefining it');
  t.deepEqual(connection.calls, []);
  app.unmount();
});

test('K loads the missing module after a confirmation that shows the persistent line', async (t) => {
  const connection = small();
  connection.modules[1] = missingModule('if_tuntap', 'if_tuntap/if_tap');
  const loaded: ModuleName[] = [];
  const app = renderApp(connection, {
    async loadModule(name) {
      loaded.push(name);
      connection.modules[1] = {name: 'if_tuntap', label: 'if_tuntap/if_tap', loaded: true, detail: 'loaded'};
    },
  });
  await app.waitForText('kldload if_tuntap');
  app.write('K');
  let frame = await app.waitForText("with 'kldload if_tuntap'?");
  t.true(frame.includes('sysrc kld_list+=if_tuntap'));
  app.write('x');
  await app.waitForText('if_tuntap/if_tap not loaded');
  t.deepEqual(loaded, []);
  app.write('K');
  await app.waitForText('[y/N]');
  app.write('y');
  frame = await app.waitForText('Loaded if_tuntap/if_tap. To load it at every boot: sysrc kld_list+=if_tuntap');
  t.deepEqual(loaded, ['if_tuntap']);
  t.regex(frame, /✔ if_tuntap\/if_tap +loaded/);
  app.write('K');
  await app.waitForText('Every kernel module bhyve needs is loaded');
  app.unmount();
});

test('K reports a failed kldload, and explains a module that failed for lack of VT-x', async (t) => {
  const connection = small();
  connection.modules[0] = missingModule('vmm');
  const app = renderApp(connection, {
    async loadModule() {
      throw new DriverError('kldload vmm failed', "kldload: can't load vmm: No such file or directory", 1);
    },
  });
  await app.waitForText('kldload vmm');
  app.write('K');
  await app.waitForText('[y/N]');
  app.write('y');
  const frame = await app.waitForText('kldload vmm failed (exit code 1)');
  t.true(frame.includes("can't load vmm"));
  connection.modules[0] = {name: 'vmm', label: 'vmm', loaded: true, detail: 'failed'};
  app.write(keys.ctrlC.replace('\u0003', '\u0012')); // Ctrl-R refreshes
  await app.waitFor((current) => /✘ vmm +failed/.test(current));
  app.write('K');
  await app.waitForText('vmm failed to start: no hardware virtualization (VT-x/AMD-V); kldload cannot fix that');
  app.unmount();
});

test('a toggles autostart', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'db1'});
  await app.waitFor(() => app.selected() === 'db1');
  app.write('a');
  let frame = await app.waitForText('db1 will start when the host boots');
  t.regex(frame, /db1\s+shut off.*yes/);
  app.write('a');
  frame = await app.waitForText('db1 will not start when the host boots');
  t.deepEqual(connection.calls, ['autostart db1 on', 'autostart db1 off']);
  app.unmount();
});

test(': runs CLI verbs through runCommandLine; without a name the selected domain', async (t) => {
  const connection = small();
  const ran: string[][] = [];
  const app = renderApp(connection, {
    initialSelection: 'db1',
    async runCommandLine(argv) {
      ran.push(argv);
      if (argv[0] === 'list') {
        return ' Id   Name     State\n-----------------------\n 1    web1     running\n -    db1      shut off\n';
      }

      if (argv[0] === 'start' && argv[1] === 'nope') {
        throw new DriverError("failed to get domain 'nope'");
      }

      return `Domain '${argv.at(-1) ?? ''}' started`;
    },
  });
  await app.waitFor(() => app.selected() === 'db1');
  app.write(':start web1');
  await app.waitForText(':start web1');
  app.write(keys.enter);
  await app.waitForText("✔ Domain 'web1' started");
  app.write(':start\r');
  await app.waitForText("✔ Domain 'db1' started");
  app.write(':start nope\r');
  await app.waitForText("✘ failed to get domain 'nope'");
  app.write(':list --all\r');
  const frame = await app.waitForText(':list --all');
  t.true(frame.includes('db1      shut off'));
  t.deepEqual(ran, [
    ['start', 'web1'],
    ['start', 'db1'],
    ['start', 'nope'],
    ['list', '--all'],
  ]);
  await press(app, ESC);
  // History: ↑ brings back the last command.
  app.write(':');
  await app.waitForText('⏎ run');
  app.write(keys.up);
  await app.waitForText(':list --all');
  await press(app, ESC);
  await app.waitFor((current) => !current.includes('⏎ run'));
  app.unmount();
});

test(': without a runner handles the lifecycle verbs itself; the TUI verbs open views', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'db1'});
  await app.waitFor(() => app.selected() === 'db1');
  app.write(':destroy web1\r');
  await app.waitForText("Domain 'web1' destroyed");
  t.deepEqual(connection.calls, ['destroy web1']);
  app.write(':details web1\r');
  await app.waitForText('Details: web1');
  app.write(':errors broken\r');
  await app.waitForText('Errors: broken');
  app.write(':log db1\r');
  await app.waitForText('Log: db1');
  app.write(':frobnicate\r');
  await app.waitForText("unknown command 'frobnicate'");
  app.write(':sta');
  app.write(keys.tab);
  await app.waitForText(':start');
  app.write('we');
  app.write(keys.tab);
  await app.waitForText(':start web1');
  app.write(keys.ctrlU);
  await app.waitFor((current) => !current.includes(':start'));
  app.write('q\r');
  await app.waitFor(() => app.quits === 1);
  t.pass();
  app.unmount();
});

type Editor = (text: string, request: EditRequest) => Promise<EditResult | null>;

test('E: an invalid save shows the errors and keeps the text; r re-edits with the errors on top; a valid save defines it', async (t) => {
  const connection = small();
  connection.defineError = (xml) =>
    xml.includes('<vcpu>banana</vcpu>')
      ? new DriverError('invalid domain XML: line 4, column 9: <vcpu> must be a number', "web1.xml:4:9: expected an unsigned integer, got 'banana'")
      : undefined;
  const seen: Array<{text: string; request: EditRequest}> = [];
  const editor: Editor = async (text, request) => {
    seen.push({text, request});
    await sleep(10);
    if (request.attempt === 1) {
      return {text: text.replace('<vcpu>2</vcpu>', '<vcpu>banana</vcpu>'), savedAt: '/var/db/bhyve-tui/edits/web1.xml'};
    }

    return {text: text.replace('<vcpu>banana</vcpu>', '<vcpu>4</vcpu>'), savedAt: '/var/db/bhyve-tui/edits/web1.xml'};
  };

  const app = renderApp(connection, {initialSelection: 'web1', editText: editor});
  await app.waitFor(() => app.selected() === 'web1');
  app.write('E');
  let frame = await app.waitForText('Edit of web1 not saved');
  t.true(frame.includes('✘ invalid domain XML: line 4, column 9: <vcpu> must be a number'));
  t.true(frame.includes('web1.xml:4:9: expected an unsigned integer'));
  t.true(frame.includes('/var/db/bhyve-tui/edits/web1.xml'));
  t.true(frame.includes('r re-edit'));
  t.is(seen.length, 1);
  t.is(seen[0]?.request.attempt, 1);
  t.true(seen[0]?.text.includes('<vcpu>2</vcpu>'));

  // Esc keeps the draft; E resumes it with the errors on top.
  await press(app, ESC);
  await app.waitForText('Your edit of web1 is kept in /var/db/bhyve-tui/edits/web1.xml; E on web1 resumes it');
  app.write('E');
  frame = await app.waitForText('edited');
  t.is(seen.length, 2);
  const second = seen[1]?.text ?? '';
  t.true(second.startsWith('<!-- bhyve-tui: NOT SAVED.'));
  t.true(second.includes('<vcpu> must be a number'));
  t.true(second.includes('<vcpu>banana</vcpu>'), 'the edited text, not the file');
  t.is(seen[1]?.request.attempt, 2);
  await app.waitForText("Domain 'web1' XML configuration edited (changes apply at the next start)");
  const defined = connection.defined.at(-1) ?? '';
  t.false(defined.includes('bhyve-tui'), 'the error comment never reaches define');
  t.true(defined.includes('<vcpu>4</vcpu>'));
  app.unmount();
});

test('E: r re-edits from the failed view; d discards; an unchanged save defines nothing', async (t) => {
  const connection = small();
  connection.defineError = new DriverError('bad XML');
  let calls = 0;
  const app = renderApp(connection, {
    initialSelection: 'db1',
    async editText(text) {
      calls++;
      return {text: calls === 3 ? text : `${text}<!-- changed ${calls} -->`};
    },
  });
  await app.waitFor(() => app.selected() === 'db1');
  app.write('E');
  await app.waitForText('Edit of db1 not saved');
  t.true(app.frame().includes('kept in memory'));
  app.write('r');
  await app.waitFor(() => calls === 2);
  await app.waitForText('Edit of db1 not saved');
  app.write('d');
  await app.waitForText('Discarded your edit of db1');
  connection.defineError = undefined;
  app.write('E');
  await app.waitForText('db1: XML not changed');
  t.is(connection.defined.length, 2);
  app.unmount();
});

test('E without an editor explains; an editor that fails leaves everything as it was', async (t) => {
  const connection = small();
  let app = renderApp(connection, {initialSelection: 'db1'});
  await app.waitFor(() => app.selected() === 'db1');
  app.write('E');
  await app.waitForText('Editing needs a terminal editor; run: bhyve-tui edit db1');
  app.unmount();

  app = renderApp(connection, {initialSelection: 'db1', editText: async () => null});
  await app.waitFor(() => app.selected() === 'db1');
  app.write('E');
  await app.waitForText('Edit of db1 abandoned');
  t.is(connection.defined.length, 0);
  app.unmount();
});

test('while the editor runs, the screen is constant and keys are not handled', async (t) => {
  const connection = small();
  let finish!: (result: EditResult | null) => void;
  const app = renderApp(connection, {
    initialSelection: 'db1',
    editText: async () =>
      new Promise((resolve) => {
        finish = resolve;
      }),
  });
  await app.waitFor(() => app.selected() === 'db1');
  app.write('E');
  const frame = await app.waitForText('Editing db1 in your editor');
  t.is(frame.split('\n').length, 1);
  connection.emit({type: 'domain', name: 'web1', state: 'shut off'});
  app.write('q');
  await sleep(50);
  t.is(app.quits, 0);
  t.is(app.frame(), frame);
  finish(null);
  await app.waitForText('NAME');
  app.unmount();
});
