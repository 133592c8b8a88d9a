// Text is bytes until it is whole: the protocol's lines are split as bytes and decoded
// once complete, so a UTF-8 character cut by a socket read's boundary survives, both ways
// (client → daemon on define, daemon → client on domainXml).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli, fastSimHost} from '../../helpers/sim-dir.js';
import {LineSplitter, ProtocolLineError} from '../../../driver/protocol/messages.js';
import {DaemonConnection} from '../../../driver/client/daemon-client.js';
import {parseDomainXml} from '../../../driver/domain/xml-parse.js';
import {formatDomainXml} from '../../../driver/domain/xml-format.js';

// 1-, 2-, 3- and 4-byte UTF-8 (the 4-byte ones are surrogate pairs in JavaScript).
const mixed = 'aé€𝄞 ßü中😀ñ…Ω한🐧 ';

test('LineSplitter decodes a character split across chunks at any byte', (t) => {
  const line = `{"text":"${mixed}"}`;
  const bytes = Buffer.from(`${line}\n`);
  for (let cut = 1; cut < bytes.length; cut++) {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    t.deepEqual(got, [line], `cut after byte ${cut}`);
  }
  // One byte at a time, two lines.
  const got: string[] = [];
  const s = new LineSplitter((l) => got.push(l));
  for (const b of Buffer.from(`${line}\n${line}\n`)) s.push(Buffer.from([b]));
  t.deepEqual(got, [line, line]);
});

test('LineSplitter refuses a line over its limit in bytes, even before its newline', (t) => {
  const s = new LineSplitter(() => {}, 1024);
  t.throws(() => s.push(Buffer.from('€'.repeat(400))), {instanceOf: ProtocolLineError, message: 'protocol line of over 1024 bytes'});
});

test.serial('a 1 MiB definition full of multi-byte characters comes back byte-identical from dumpxml and domainXml', async (t) => {
  const dir = fastSimHost(t, 'utf8-define');
  const base = parseDomainXml(cli(dir, ['dumpxml', 'web1']).stdout);
  const canonical = (title: string, description: string) => `${formatDomainXml({...base, title, description}, {inactive: true})}\n`;
  const title = mixed.repeat(100).trim();
  // As much description as fits under define's 1 MiB limit, with line breaks now and then.
  const without = Buffer.byteLength(canonical(title, ''));
  const unit = `${mixed.repeat(20)}\n`;
  const budget = 1024 * 1024 - 64 - without;
  let description = unit.repeat(Math.floor(budget / Buffer.byteLength(unit)));
  let bytes = Buffer.byteLength(description);
  fill: for (;;) {
    for (const ch of mixed) {
      if (bytes + Buffer.byteLength(ch) > budget) break fill;
      description += ch;
      bytes += Buffer.byteLength(ch);
    }
  }
  const xml = canonical(title, description);
  const size = Buffer.byteLength(xml);
  t.true(size > 1024 * 1024 - 200 && size <= 1024 * 1024, `${size} bytes`);
  t.is(parseDomainXml(xml).description, description, 'the text is in the XML as is');

  const file = path.join(dir, 'web1-utf8.xml');
  fs.writeFileSync(file, xml);
  const defined = cli(dir, ['define', file]);
  t.is(defined.status, 0, defined.stderr);
  const stored = fs.readFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml'));
  t.true(stored.equals(Buffer.from(xml)), `stored ${stored.length} bytes, ${stored.toString('utf8').split('\uFFFD').length - 1} U+FFFD`);

  const dumped = cli(dir, ['dumpxml', 'web1']).stdout;
  t.true(dumped === xml, `dumpxml gave ${Buffer.byteLength(dumped)} bytes, ${dumped.split('\uFFFD').length - 1} U+FFFD`);

  const conn = await DaemonConnection.open(`sim://${dir}`);
  t.teardown(() => conn.close());
  const fromDaemon = await conn.domainXml('web1');
  t.true(fromDaemon === xml, `domainXml gave ${Buffer.byteLength(fromDaemon)} bytes, ${fromDaemon.split('\uFFFD').length - 1} U+FFFD`);
});
