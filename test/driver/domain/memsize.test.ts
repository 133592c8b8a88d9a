import test from 'ava';
import {expandNumber, kibToBhyveMiB, parseBhyveMemArg, parseMemorySize} from '../../../driver/domain/memsize.js';
import {VirError} from '../../../driver/domain/errors.js';

test('XML memory defaults to KiB', (t) => {
  t.is(parseMemorySize('219136'), 219136);
  t.is(parseMemorySize(' 219136'), 219136);
});

test('XML memory units: binary, decimal and bytes', (t) => {
  t.is(parseMemorySize('1', 'GiB'), 1024 * 1024);
  t.is(parseMemorySize('1', 'G'), 1024 * 1024);
  t.is(parseMemorySize('2', 'MiB'), 2048);
  t.is(parseMemorySize('2', 'm'), 2048);
  t.is(parseMemorySize('1', 'MB'), Math.ceil(1_000_000 / 1024));
  t.is(parseMemorySize('1', 'KB'), 1); // 1000 bytes rounds up to 1 KiB
  t.is(parseMemorySize('1025', 'bytes'), 2);
  t.is(parseMemorySize('1024', 'b'), 1);
  t.is(parseMemorySize('1', 'TiB'), 1024 ** 3);
});

test("bad XML memory values are rejected with libvirt's errors", (t) => {
  t.is(t.throws(() => parseMemorySize('12abc'), {instanceOf: VirError})!.message, 'XML error: could not parse element memory');
  t.is(t.throws(() => parseMemorySize('-5'), {instanceOf: VirError})!.message, 'XML error: could not parse element memory');
  t.is(t.throws(() => parseMemorySize('1', 'XiB'), {instanceOf: VirError})!.message, "invalid argument: unknown suffix 'XiB'");
  t.throws(() => parseMemorySize('99999999999999999999', 'EiB'), {instanceOf: VirError});
});

test('bhyve -m: small plain numbers are MiB, large ones bytes', (t) => {
  t.is(parseBhyveMemArg('214'), 219136);
  t.is(parseBhyveMemArg('224395264'), 219136);
  t.is(parseBhyveMemArg('1048575'), 1048575 * 1024);
  t.is(parseBhyveMemArg('1048576'), 1024);
});

test('bhyve -m: expand_number suffixes', (t) => {
  t.is(parseBhyveMemArg('214M'), 219136);
  t.is(parseBhyveMemArg('214m'), 219136);
  t.is(parseBhyveMemArg('1G'), 1024 * 1024);
  t.is(parseBhyveMemArg('1gb'), 1024 * 1024);
  t.is(parseBhyveMemArg('0x100000'), 1024);
  t.is(parseBhyveMemArg('bogus'), undefined);
  t.is(parseBhyveMemArg('12Q'), undefined);
  t.is(parseBhyveMemArg('1Mx'), undefined);
});

test('expand_number grammar', (t) => {
  t.is(expandNumber('10'), 10n);
  t.is(expandNumber('1k'), 1024n);
  t.is(expandNumber('1KB'), 1024n);
  t.is(expandNumber('3b'), 3n);
  t.is(expandNumber('1bb'), undefined);
  t.is(expandNumber('17E'), undefined); // overflows 64 bits
  t.is(expandNumber('010'), 8n);
});

test('bhyve -m from KiB rounds up', (t) => {
  t.is(kibToBhyveMiB(219136), 214);
  t.is(kibToBhyveMiB(219137), 215);
});
