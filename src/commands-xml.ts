// Verbs that translate and check domain XML, with virsh's semantics for the bhyve driver:
// domxml-to-native, domxml-from-native, validate, dumpxml, and domcapabilities.
//
// What goes to stdout is what virsh prints: the result, then the empty line virsh writes
// after every command's output. Failures are one line on stderr ('error: ...', written by
// cli.tsx from the DriverError thrown here) and exit status 1. Warnings libvirt would only
// log (a NIC dropped by from-native, VNC without a password) go to stderr as 'warning: ...'.
import {DriverError} from '../driver/client/connection.js';
import {DomainXmlError, VirError} from '../driver/domain/errors.js';
import {ARCHES, parseDomainXml} from '../driver/domain/xml-parse.js';
import {bhyveCapsFrom, defaultHostCaps, grubCapsFrom, type HostCaps} from '../driver/bhyve/capabilities.js';
import {formatDomainCapabilities} from '../driver/bhyve/domain-capabilities.js';
import {BHYVE_PATH} from '../driver/bhyve/command-build.js';
import type {Connection} from '../driver/client/connection.js';
import {BHYVE_NATIVE_FORMAT, domainDefToNative, nativeToDomainXml} from '../driver/bhyve/native-argv-convert.js';
import {domainNameProblem} from '../driver/domain/name.js';
import {DEFAULT_XML_LIMITS} from '../driver/xml/dom.js';
import {BoundedReadError, errnoMessage, readBoundedText} from '../driver/io/bounded-read.js';
import {flagValue, type CommandContext, type CommandSpec} from './command-spec.js';

/** Input files bigger than this are refused unread (the XML parser's own limit). */
const maxInputBytes = DEFAULT_XML_LIMITS.maxBytes;

/**
 * Reads a file given on the command line through the one bounded reader: at most the XML
 * parser's own limit, so /dev/zero or a huge file cannot exhaust memory; a pipe or FIFO
 * (/dev/stdin, a shell's <(...)) is read without ever blocking. Failures in virsh's words.
 */
export function readInputFile(file: string): string {
  try {
    return readBoundedText(file, {maxBytes: maxInputBytes, streams: true});
  } catch (e) {
    if (!(e instanceof BoundedReadError)) throw e;
    const known = errnoMessage(e.code);
    throw new DriverError(`Failed to ${e.stage === 'open' ? 'open' : 'read'} file '${file}': ${known === e.code ? e.reason : known}`);
  }
}

/**
 * One line for a translation error. A syntax error always names its place
 * (FILE:LINE:COLUMN: what); libvirt's messages are given as libvirt words them,
 * prefixed by the place (or just the file) when `where` is asked for.
 */
function describe(e: unknown, file: string, where: boolean): DriverError {
  if (e instanceof DomainXmlError && (e.kind === 'syntax' || where)) return new DriverError(firstLine(e.describe(file)));
  if (e instanceof VirError) return new DriverError(firstLine(where ? `${file}: ${e.message}` : e.message));
  if (e instanceof DriverError) return e;
  // anything else is a bug of ours; still one line, no stack
  return new DriverError(`internal error: ${firstLine(e instanceof Error ? e.message : String(e))}`);
}

const firstLine = (s: string) => s.split('\n')[0]!;

/** A warning libvirt would only log: one line on stderr. */
const warner = (ctx: CommandContext) => (message: string) => ctx.note(`warning: ${firstLine(message)}`);

function checkFormat(format: string, message: string): void {
  if (format !== BHYVE_NATIVE_FORMAT) throw new DriverError(`invalid argument: ${message} ${format}`);
}

/**
 * The caps verbs that only read XML parse with (from-native, validate): a current FreeBSD
 * host's set. domxml-to-native and domcapabilities ask the host (probedCaps).
 */
const hostCaps = () => defaultHostCaps();

/**
 * What the connected host's bhyve was probed to support, as libvirt probes it at driver
 * start. With no bhyve there are no caps (as in libvirt); the warning says why.
 */
async function probedCaps(conn: Connection, warn: (message: string) => void): Promise<HostCaps> {
  const probed = await conn.capabilities();
  if (probed.problem) warn(`${probed.problem}: no bhyve capabilities`);
  return {caps: bhyveCapsFrom(probed.caps), grubCaps: grubCapsFrom(probed.grubCaps)};
}

export const xmlCommands: CommandSpec[] = [
  {
    name: 'domxml-to-native',
    synopsis: 'domxml-to-native FORMAT FILE',
    summary: 'print the loader and bhyve commands for domain XML (FORMAT: bhyve-argv)',
    flags: [],
    args: 2,
    async run(ctx) {
      const [format, file] = ctx.args as [string, string];
      // virsh reads the file first; the driver then checks the format
      const xml = readInputFile(file);
      checkFormat(format, 'Unsupported config type');
      // the host's caps, as libvirt probed them when its driver started
      const warn = warner(ctx);
      const caps = await probedCaps(await ctx.connect(), warn);
      let out: string;
      try {
        const def = parseDomainXml(xml, {caps: caps.caps, file});
        // a dry run, as libvirt's: taps are tap0, no VNC port is taken, firmware='efi' is not resolved
        out = domainDefToNative(def, {...caps, warn});
      } catch (e) {
        throw describe(e, file, false);
      }
      // libvirt returns the lines without the last newline; virsh ends its output with one
      ctx.print(out.endsWith('\n') ? out : `${out}\n`);
      return 0;
    },
  },
  {
    name: 'domcapabilities',
    synopsis: 'domcapabilities [--virttype TYPE] [--emulatorbin PATH] [--arch ARCH] [--machine NAME]',
    summary: "what this host's bhyve supports, as libvirt's <domainCapabilities>",
    flags: ['--virttype=', '--emulatorbin=', '--arch=', '--machine='],
    args: 0,
    async run(ctx) {
      // bhyveConnectGetDomainCapabilities: virttype (any but bhyve, known or not, is
      // "unknown"), then arch, are checked before anything else
      const virttype = flagValue(ctx, '--virttype');
      if (virttype !== undefined && virttype !== 'bhyve') throw new DriverError(`invalid argument: unknown virttype: ${virttype}`);
      const arch = flagValue(ctx, '--arch') ?? 'x86_64';
      if (!ARCHES.includes(arch)) throw new DriverError(`invalid argument: unknown architecture: ${arch}`);
      if (arch !== 'x86_64' && arch !== 'i686')
        throw new DriverError(`this function is not supported by the connection driver: unsupported architecture: ${arch}`);
      const probed = await (await ctx.connect()).capabilities();
      if (probed.problem) warner(ctx)(`${probed.problem}: no bhyve capabilities`);
      const machine = flagValue(ctx, '--machine');
      const xml = formatDomainCapabilities({
        caps: bhyveCapsFrom(probed.caps),
        firmwares: probed.firmwares,
        emulator: flagValue(ctx, '--emulatorbin') ?? BHYVE_PATH,
        arch,
        virttype: 'bhyve',
        ...(machine !== undefined ? {machine} : {}),
      });
      ctx.print(xml.endsWith('\n') ? xml : `${xml}\n`);
      return 0;
    },
  },
  {
    name: 'domxml-from-native',
    synopsis: 'domxml-from-native FORMAT FILE',
    summary: 'print domain XML for loader and bhyve commands (FORMAT: bhyve-argv)',
    flags: [],
    args: 2,
    async run(ctx) {
      const [format, file] = ctx.args as [string, string];
      const text = readInputFile(file);
      checkFormat(format, 'unsupported config type');
      const logged: string[] = [];
      let xml: string;
      try {
        // libvirt formats with default flags here: no VNC password in the output
        xml = nativeToDomainXml(text, {caps: hostCaps().caps, log: (m) => logged.push(m)});
      } catch (e) {
        throw describe(e, file, false);
      }
      for (const m of logged) warner(ctx)(m);
      ctx.print(`${xml}\n`);
      return 0;
    },
  },
  {
    name: 'validate',
    synopsis: 'validate FILE',
    summary: 'check domain XML as define and start would',
    flags: [],
    args: 1,
    async run(ctx) {
      const file = ctx.args[0]!;
      const xml = readInputFile(file);
      try {
        const caps = hostCaps();
        const def = parseDomainXml(xml, {caps: caps.caps, file});
        // our own rule: the name becomes a path under /dev/vmm and a command argument
        const badName = domainNameProblem(def.name);
        if (badName) throw new DriverError(`${file}: ${badName}`);
        // Building the command lines catches what libvirt only reports at start
        // ("unsupported configuration: ..."); its warnings are not failures.
        domainDefToNative(def, {...caps});
      } catch (e) {
        throw describe(e, file, true);
      }
      ctx.print(`${file} validates\n`);
      return 0;
    },
  },
  {
    name: 'dumpxml',
    synopsis: 'dumpxml NAME [--inactive] [--security-info]',
    summary: "print a defined domain's XML (--security-info: with the VNC password)",
    flags: ['--inactive', '--security-info'],
    args: 1,
    async run(ctx) {
      const name = ctx.args[0]!;
      let xml: string;
      try {
        xml = await (await ctx.connect()).dumpXml(name, {securityInfo: ctx.flags.has('--security-info')});
      } catch (e) {
        // an invalid definition: its file, on the same line
        if (e instanceof DriverError && e.detail) throw new DriverError(`${e.message} (${e.detail})`);
        throw e;
      }
      ctx.print(`${xml}\n`);
      return 0;
    },
  },
];
