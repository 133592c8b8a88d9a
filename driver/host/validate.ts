// `bhyve-tui host-validate`, the counterpart of `virt-host-validate bhyve`: what a host
// needs before a guest can run, each check PASS, WARN or FAIL with what to do about it.
// The same findings feed the TUI's host panel. Everything is read from the host the
// way an operator would: kldstat, sysctl, files under /usr/local and /var/run.
import fs from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import type {CheckStatus, HostCheck, ModuleStatus} from '../client/connection.js';
import type {HostLayout} from './layout.js';
import {runTool} from './tools.js';
import {probeModules} from './modules.js';
import {daemonSocketPath} from '../protocol/messages.js';
import {listDomainFiles, loadDomainFile, type StoredDomain} from '../daemon/domain-store.js';
import {DEFAULT_FIRMWARE_DIR, PREFERRED_FIRMWARE} from '../bhyve/firmware.js';
import {HostCapsProbe, type ProbedHostCaps} from '../bhyve/capabilities-probe.js';
import {capsSummary, defaultHostCaps, type HostCaps} from '../bhyve/capabilities.js';
import {domainDefToNative} from '../bhyve/native-argv-convert.js';
import {cloneDomainDef} from '../domain/model.js';
import pkg from '../../package.json' with {type: 'json'};
import {readBoundedText} from '../io/bounded-read.js';
import {hostConfigPath, readHostConfig} from './config.js';

export type {CheckStatus, HostCheck};

export interface ValidateOptions {
  /** the probed bhyve capabilities (the daemon's; default: the cache, or a probe now) */
  caps?: () => Promise<ProbedHostCaps>;
  /** the definitions; default: read from the host's domains directory */
  definitions?: StoredDomain[];
  /** modules as already probed (the daemon's cache) */
  modules?: ModuleStatus[];
}

const rcdScript = '/usr/local/etc/rc.d/bhyve_tui';
const defaultNode = '/usr/local/bin/node';
const grubBhyve = '/usr/local/sbin/grub-bhyve';

/** `>=20.19` from package.json engines. */
function minimumNode(): [number, number] {
  const m = /(\d+)\.(\d+)/.exec((pkg as {engines?: {node?: string}}).engines?.node ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [20, 19];
}

function versionAtLeast(version: string, [major, minor]: [number, number]): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return false;
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

/**
 * rc.conf values as rc(8) would see them: /etc/rc.conf, then rc.conf.local, then the
 * rc.conf.d files of the service. Plain `name="value"` lines only: that is what sysrc(8)
 * writes, and anything cleverer would need a shell.
 */
function readRcConf(layout: HostLayout, service = 'bhyve_tui'): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of ['/etc/rc.conf', '/etc/rc.conf.local', `/etc/rc.conf.d/${service}`, `/usr/local/etc/rc.conf.d/${service}`]) {
    let text: string;
    try {
      text = readBoundedText(layout.resolve(f), {maxBytes: 1024 * 1024});
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|([^\s#"']*))\s*(?:#.*)?$/.exec(line);
      if (m) out.set(m[1]!, m[2] ?? m[3] ?? m[4] ?? '');
    }
  }
  return out;
}

const yes = (v: string | undefined) => /^(yes|true|on|1)$/i.test(v ?? '');

async function sysctl(layout: HostLayout, oid: string): Promise<string | null> {
  try {
    const r = await runTool(layout, 'sysctl', ['-n', oid], 10_000);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

function definitionsOf(layout: HostLayout, opts: ValidateOptions): StoredDomain[] {
  if (opts.definitions) return opts.definitions;
  return listDomainFiles(layout).map((f) => loadDomainFile(f));
}

const namesOf = (list: string[]) => (list.length > 3 ? `${list.slice(0, 3).join(', ')} and ${list.length - 3} more` : list.join(', '));

async function cpuCheck(layout: HostLayout, modules: ModuleStatus[]): Promise<HostCheck> {
  const title = 'CPU virtualization';
  const vmm = modules.find((m) => m.name === 'vmm');
  if (vmm?.loaded) {
    // vmm's MOD_LOAD succeeds only with VT-x or AMD-V (sys/amd64/vmm/vmm.c vmm_init).
    if ((await sysctl(layout, 'hw.vmm.vmx.initialized')) === '1') {
      const ug = await sysctl(layout, 'hw.vmm.vmx.cap.unrestricted_guest');
      if (ug === '0')
        return {
          id: 'cpu',
          title,
          status: 'WARN',
          detail: 'VT-x without unrestricted guest: only FreeBSD guests with one vCPU through bhyveload',
          fix: 'use a CPU with unrestricted guest (Westmere or newer) for UEFI and Linux guests',
        };
      return {id: 'cpu', title, status: 'PASS', detail: 'VT-x, vmm initialised'};
    }
    if ((await sysctl(layout, 'hw.vmm.svm.features')) !== null) return {id: 'cpu', title, status: 'PASS', detail: 'AMD-V, vmm initialised'};
    return {id: 'cpu', title, status: 'PASS', detail: 'vmm is loaded'};
  }
  // vmm not loaded: the boot messages say what the CPU offers.
  let dmesg: string;
  try {
    dmesg = readBoundedText(layout.resolve('/var/run/dmesg.boot'), {maxBytes: 4 * 1024 * 1024});
  } catch {
    return {
      id: 'cpu',
      title,
      status: 'WARN',
      detail: 'vmm is not loaded and /var/run/dmesg.boot cannot be read',
      fix: 'kldload vmm, then run host-validate again',
    };
  }
  // identcpu.c print_vmx_info(): "VT-x: (disabled in BIOS) ..." when IA32_FEATURE_CONTROL has VMX off.
  if (/^\s+VT-x: \(disabled in BIOS\)/m.test(dmesg))
    return {
      id: 'cpu',
      title,
      status: 'FAIL',
      detail: 'VT-x is disabled in the firmware (dmesg.boot)',
      fix: 'enable Intel VT-x in the BIOS/UEFI setup and reboot',
    };
  if (/^\s+VT-x: /m.test(dmesg)) return {id: 'cpu', title, status: 'PASS', detail: 'VT-x (from dmesg.boot; vmm not loaded)'};
  if (/^\s+SVM: /m.test(dmesg) || /AMD Features2=.*\bSVM\b/.test(dmesg))
    return {id: 'cpu', title, status: 'PASS', detail: 'AMD-V (from dmesg.boot; vmm not loaded)'};
  return {
    id: 'cpu',
    title,
    status: 'FAIL',
    detail: 'the CPU reports no VT-x or AMD-V',
    fix: 'enable virtualization (VT-x/AMD-V) in the BIOS/UEFI setup; bhyve cannot run without it',
  };
}

function moduleCheck(m: ModuleStatus): HostCheck {
  const id = `module:${m.name}`;
  const title = `${m.label} module`;
  if (m.loaded) return {id, title, status: 'PASS', detail: m.detail === 'compiled in' ? 'compiled into the kernel' : 'loaded'};
  if (m.detail === 'failed') {
    return {
      id,
      title,
      status: 'FAIL',
      detail: 'its file is loaded but the module did not start',
      fix: m.name === 'vmm' ? 'enable VT-x/AMD-V in the firmware setup, then kldunload vmm; kldload vmm' : `see dmesg; kldunload ${m.name}; kldload ${m.name}`,
    };
  }
  if (m.detail === 'no file') {
    return {
      id,
      title,
      status: 'FAIL',
      detail: `not loaded, and no ${m.name}.ko in ${m.searched ?? 'kern.module_path'} to load`,
      fix: `${m.fix ?? ''}; then kldload ${m.name}`,
    };
  }
  return {id, title, status: 'FAIL', detail: 'not loaded', fix: `kldload ${m.name}; make it permanent with: sysrc kld_list+=${m.name}`};
}

async function tapCheck(layout: HostLayout): Promise<HostCheck> {
  const id = 'tap-up-on-open';
  const title = 'net.link.tap.up_on_open';
  const v = await sysctl(layout, 'net.link.tap.up_on_open');
  if (v === null) return {id, title, status: 'FAIL', detail: 'cannot be read: the tap driver (if_tuntap) is not loaded', fix: 'kldload if_tuntap'};
  if (v === '1') return {id, title, status: 'PASS', detail: '1'};
  // bhyve brings its tap up itself since 13.0 (net_backends.c tap_init); before, a guest
  // that rebooted came back with its tap down unless the sysctl was set.
  const reldate = Number(await sysctl(layout, 'kern.osreldate'));
  if (reldate > 0 && reldate < 1300000) {
    return {
      id,
      title,
      status: 'FAIL',
      detail: '0: on this release bhyve does not bring its tap up, so a guest loses its network after a reboot',
      fix: 'sysctl net.link.tap.up_on_open=1 and add net.link.tap.up_on_open=1 to /etc/sysctl.conf',
    };
  }
  return {id, title, status: 'PASS', detail: '0 (bhyve and bhyve-tui bring their taps up themselves)'};
}

function firmwareCheck(layout: HostLayout, defs: StoredDomain[]): HostCheck {
  const id = 'uefi-firmware';
  const title = 'UEFI firmware';
  const file = path.posix.join(DEFAULT_FIRMWARE_DIR, PREFERRED_FIRMWARE);
  if (fs.existsSync(layout.resolve(file))) return {id, title, status: 'PASS', detail: file};
  const needing = defs
    .filter((d) => d.ok && (d.def.os.firmware === 'efi' || (d.def.os.loader !== undefined && d.def.bootloader === undefined)))
    .map((d) => d.name);
  const fix = 'pkg install bhyve-firmware';
  if (needing.length > 0)
    return {id, title, status: 'FAIL', detail: `${file} is missing and ${namesOf(needing)} boot${needing.length === 1 ? 's' : ''} with UEFI`, fix};
  return {id, title, status: 'WARN', detail: `${file} is missing (only UEFI guests need it)`, fix};
}

function grubCheck(layout: HostLayout, defs: StoredDomain[]): HostCheck {
  const id = 'grub-bhyve';
  const title = 'grub-bhyve';
  let ok = false;
  try {
    fs.accessSync(layout.resolve(grubBhyve), fs.constants.X_OK);
    ok = true;
  } catch {
    // missing or not executable
  }
  if (ok) return {id, title, status: 'PASS', detail: grubBhyve};
  const needing = defs.filter((d) => d.ok && d.def.bootloader !== undefined && path.basename(d.def.bootloader).includes('grub-bhyve')).map((d) => d.name);
  const fix = 'pkg install grub2-bhyve';
  if (needing.length > 0)
    return {id, title, status: 'FAIL', detail: `${grubBhyve} is missing and ${namesOf(needing)} boot${needing.length === 1 ? 's' : ''} with it`, fix};
  return {id, title, status: 'WARN', detail: `${grubBhyve} is missing (only Linux guests booted by GRUB need it)`, fix};
}

/**
 * Domains whose command line this host's bhyve cannot take: they build with a current
 * FreeBSD's caps but not with the probed ones (libvirt's 'unsupported configuration').
 */
function unsupportedDomains(defs: StoredDomain[], caps: HostCaps): {domain: string; message: string}[] {
  const out: {domain: string; message: string}[] = [];
  for (const d of defs) {
    if (!d.ok) continue;
    try {
      domainDefToNative(cloneDomainDef(d.def), {caps: caps.caps, grubCaps: caps.grubCaps});
    } catch (e) {
      try {
        domainDefToNative(cloneDomainDef(d.def), defaultHostCaps());
        out.push({domain: d.name, message: (e as Error).message});
      } catch {
        // fails on any host: the errors view says why, it is not this host's bhyve
      }
    }
  }
  return out;
}

async function capsCheck(layout: HostLayout, defs: StoredDomain[], opts: ValidateOptions): Promise<HostCheck> {
  const id = 'bhyve-caps';
  const title = 'bhyve capabilities';
  if (!fs.existsSync(layout.tool('bhyve'))) {
    return {
      id,
      title,
      status: 'FAIL',
      detail: `${layout.hostPath(layout.tool('bhyve'))} is missing`,
      fix: 'bhyve is part of FreeBSD base: reinstall the base system (freebsd-update / pkgbase)',
    };
  }
  let found: ProbedHostCaps;
  try {
    found = await (opts.caps ?? (() => new HostCapsProbe(layout).get()))();
  } catch (e) {
    return {id, title, status: 'FAIL', detail: `the probe failed: ${(e as Error).message}`, fix: 'run bhyve -h by hand to see why it does not answer'};
  }
  if (found.problem) return {id, title, status: 'FAIL', detail: found.problem, fix: 'run bhyve -h by hand to see why it does not answer'};
  const lacking = unsupportedDomains(defs, found);
  const what = `${found.release ? `${found.release}: ` : ''}${capsSummary(found)}`;
  if (lacking.length > 0) {
    const first = lacking[0]!;
    return {
      id,
      title,
      status: 'FAIL',
      detail: `${what}; ${first.domain}: ${first.message}${lacking.length > 1 ? ` (and ${lacking.length - 1} more domain${lacking.length > 2 ? 's' : ''})` : ''}`,
      fix: 'change those domains (E edits one) or upgrade FreeBSD',
    };
  }
  return {id, title, status: 'PASS', detail: what};
}

async function nodeCheck(layout: HostLayout, rc: Map<string, string>): Promise<HostCheck> {
  const id = 'node';
  const title = 'Node.js';
  const min = minimumNode();
  const want = `${min[0]}.${min[1]}`;
  if (!versionAtLeast(process.version, min)) {
    return {id, title, status: 'FAIL', detail: `this is ${process.version}; bhyve-tui needs ${want} or newer`, fix: 'pkg install node22'};
  }
  // The one rc.d runs at boot must be there and new enough too.
  const node = rc.get('bhyve_tui_node') || defaultNode;
  let version = '';
  try {
    const r = await execa(layout.resolve(node), ['--version'], {reject: false, timeout: 10_000, stdin: 'ignore'});
    if (r.exitCode === 0) version = r.stdout.trim();
  } catch {
    // not there
  }
  if (!version)
    return {
      id,
      title,
      status: 'FAIL',
      detail: `${process.version} runs this, but ${node} (what rc.d runs at boot) does not run`,
      fix: `pkg install node22, or set bhyve_tui_node in /etc/rc.conf to the node to use`,
    };
  if (!versionAtLeast(version, min))
    return {
      id,
      title,
      status: 'FAIL',
      detail: `${node} is ${version}; bhyve-tui needs ${want} or newer`,
      fix: 'pkg install node22 (or newer), or set bhyve_tui_node in /etc/rc.conf',
    };
  return {id, title, status: 'PASS', detail: `${process.version}; rc.d's ${node} is ${version}`};
}

function socketCheck(layout: HostLayout): HostCheck {
  const id = 'daemon-socket';
  const title = 'daemon socket';
  const sock = daemonSocketPath(layout);
  const shown = (p: string) => layout.hostPath(p);
  const uid = process.getuid?.() ?? 0;
  let dir: fs.Stats;
  try {
    dir = fs.statSync(layout.runDir);
  } catch {
    return {id, title, status: 'WARN', detail: 'no daemon has run yet', fix: 'it starts on first use, or at boot with: sysrc bhyve_tui_enable=YES'};
  }
  if ((dir.mode & 0o077) !== 0 || dir.uid !== uid) {
    return {
      id,
      title,
      status: 'FAIL',
      detail: `${shown(layout.runDir)} is mode ${(dir.mode & 0o777).toString(8).padStart(4, '0')}, owner ${dir.uid}: others could reach the daemon's socket`,
      fix: `chown ${uid} ${shown(layout.runDir)}; chmod 700 ${shown(layout.runDir)}`,
    };
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(sock);
  } catch {
    return {id, title, status: 'WARN', detail: 'no daemon is running', fix: 'it starts on first use, or: service bhyve_tui start'};
  }
  if (!st.isSocket()) return {id, title, status: 'FAIL', detail: `${shown(sock)} is not a socket`, fix: `remove ${shown(sock)}; the daemon makes it again`};
  if ((st.mode & 0o077) !== 0 || st.uid !== uid) {
    return {
      id,
      title,
      status: 'FAIL',
      detail: `${shown(sock)} is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner ${st.uid}`,
      fix: `chmod 600 ${shown(sock)}, or restart the daemon`,
    };
  }
  return {id, title, status: 'PASS', detail: `${shown(sock)}, owner only`};
}

/** The settings file: every value in it is used, or the check says which is not and why. */
function settingsCheck(layout: HostLayout): HostCheck {
  const id = 'settings';
  const title = 'settings';
  const file = hostConfigPath(layout);
  const shown = layout.hostPath(file);
  const {config, error} = readHostConfig(layout);
  if (error) return {id, title, status: 'FAIL', detail: layout.inHostTerms(error), fix: `correct ${shown}`};
  const c = config.console;
  const what = `console escape ${c.escape}, scrollback ${c.scrollbackKiB} KiB, log rotated at ${c.logMaxKiB} KiB`;
  return {id, title, status: 'PASS', detail: fs.existsSync(file) ? what : `the defaults (no ${shown}): ${what}`};
}

function rcdCheck(layout: HostLayout, rc: Map<string, string>): HostCheck {
  const id = 'rc.d';
  const title = 'rc.d service';
  const installed = fs.existsSync(layout.resolve(rcdScript));
  const enabled = yes(rc.get('bhyve_tui_enable'));
  const install = `install -m 555 /usr/local/lib/node_modules/bhyve-tui/freebsd/rc.d/bhyve_tui ${path.dirname(rcdScript)}/`;
  if (enabled && !installed)
    return {id, title, status: 'FAIL', detail: `bhyve_tui_enable is YES but ${rcdScript} is missing: nothing starts at boot`, fix: install};
  if (!installed)
    return {
      id,
      title,
      status: 'WARN',
      detail: 'not installed: autostart domains do not start at boot and guests are not shut down with the host',
      fix: `${install}; sysrc bhyve_tui_enable=YES`,
    };
  if (!enabled) return {id, title, status: 'WARN', detail: 'installed but not enabled', fix: 'sysrc bhyve_tui_enable=YES'};
  return {id, title, status: 'PASS', detail: `enabled (${rcdScript})`};
}

/** Every check, in the order an operator fixes things. */
export async function validateHost(layout: HostLayout, opts: ValidateOptions = {}): Promise<HostCheck[]> {
  const modules = opts.modules ?? (await probeModules(layout));
  const defs = definitionsOf(layout, opts);
  const rc = readRcConf(layout);
  const checks: HostCheck[] = [await cpuCheck(layout, modules)];
  for (const m of modules) checks.push(moduleCheck(m));
  checks.push(await tapCheck(layout));
  checks.push(firmwareCheck(layout, defs));
  checks.push(grubCheck(layout, defs));
  checks.push(await capsCheck(layout, defs, opts));
  checks.push(await nodeCheck(layout, rc));
  checks.push(socketCheck(layout));
  checks.push(settingsCheck(layout));
  checks.push(rcdCheck(layout, rc));
  return checks;
}

/** One line per check: `PASS  title   detail` (+ `: fix` for WARN and FAIL). */
export function formatChecks(checks: HostCheck[]): string {
  const w = Math.max(...checks.map((c) => c.title.length));
  return checks.map((c) => `${c.status.padEnd(4)}  ${c.title.padEnd(w)}  ${c.detail}${c.fix ? ` — ${c.fix}` : ''}\n`).join('');
}
