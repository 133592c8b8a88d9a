// The packed tarball installs like a native tool: `npm pack` in a checkout, then
// `npm install -g ./bhyve-tui-*.tgz` on a host that has node and npm and nothing else
// (no compiler, make or python3, as after `pkg install node22 npm-node22` on FreeBSD)
// and no registry, and the installed command works.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {makeSimDir, removeSimDir, repoRoot} from '../helpers/sim-dir.js';

type Manifest = {
  version: string;
  scripts?: Record<string, string>;
  bin?: Record<string, string>;
  [field: string]: unknown;
};

const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest).version;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-pack-'));
const checkout = path.join(work, 'checkout');
const bin = path.join(work, 'bin'); // the only directory on PATH for the install and the runs
const fresh = path.join(work, 'prefix'); // a fresh npm prefix, like /usr/local
const home = path.join(work, 'home');
const simDir = makeSimDir('pack');
const compilerTools = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'gmake', 'python3', 'python'];

/** Throw-away npm settings and cache, so neither the machine's npmrc nor its cache take part. */
const npmEnv = {
  HOME: home,
  npm_config_userconfig: path.join(home, 'npmrc'),
  npm_config_globalconfig: path.join(home, 'global-npmrc'),
  npm_config_cache: path.join(work, 'npm-cache'),
  npm_config_update_notifier: 'false',
};
const bareEnv = {...npmEnv, PATH: bin};

function findOnPath(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

function run(file: string, args: string[], env: Record<string, string>, cwd = work): {status: number; stdout: string; stderr: string} {
  const r = spawnSync(file, args, {cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000});
  return {status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.error ? r.error.message : (r.stderr ?? '')};
}

let packedFiles: string[] = [];
let install: ReturnType<typeof run>;

test.before(() => {
  const npm = findOnPath('npm', process.env.PATH ?? '');
  if (!npm) throw new Error('npm is not on PATH: this test packs and installs with it');
  fs.mkdirSync(home, {recursive: true});
  fs.writeFileSync(npmEnv.npm_config_userconfig, '');
  fs.writeFileSync(npmEnv.npm_config_globalconfig, '');

  // Pack a copy without dist/, so the test also shows that `npm pack` builds it, and so the
  // rebuild cannot disturb tests running the checkout's dist/ meanwhile.
  fs.cpSync(repoRoot, checkout, {recursive: true, filter: (src) => !['node_modules', 'dist', '.git'].includes(path.relative(repoRoot, src))});
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(checkout, 'node_modules'));
  const pack = run(npm, ['pack', '--json', '--pack-destination', work], {...process.env, ...npmEnv} as Record<string, string>, checkout);
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as [{filename: string; files: {path: string}[]}];
  packedFiles = info.files.map((f) => f.path).sort();

  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(fs.realpathSync(npm), path.join(bin, 'npm'));
  // --strict-allow-scripts (npm 11.10+) refuses a package with any install-time script,
  // prepare included; older npm does not know it, and npm needs the prefix to exist for it.
  const strict = run(path.join(bin, 'npm'), ['config', 'get', 'strict-allow-scripts'], bareEnv).stdout.trim() === 'false';
  fs.mkdirSync(path.join(fresh, 'lib'), {recursive: true});
  // --offline: whatever the package needed from the registry would fail with ENOTCACHED.
  install = run(
    path.join(bin, 'npm'),
    ['install', '-g', '--prefix', fresh, '--offline', '--no-audit', '--no-fund', ...(strict ? ['--strict-allow-scripts'] : []), path.join(work, info.filename)],
    bareEnv,
  );
});

test.after.always(() => {
  removeSimDir(simDir);
  fs.rmSync(work, {recursive: true, force: true});
});

test('the install environment has node and npm but no compiler, make or python', (t) => {
  t.deepEqual(fs.readdirSync(bin).sort(), ['node', 'npm']);
  for (const tool of compilerTools) t.is(findOnPath(tool, bareEnv.PATH), null, `${tool} is reachable`);
});

test('the tarball holds only what runs: the bundles, the relay, the rc.d script, the man page', (t) => {
  const runtime = [
    /^package\.json$/,
    /^README\.md$/,
    /^dist\/bhyve-tui\.js$/,
    /^dist\/lib\/[\w-]+\.js$/,
    /^dist\/sim\/[\w-]+\.js$/,
    /^driver\/sim\/nmdm-relay\.py$/,
    /^freebsd\/rc\.d\/bhyve_tui$/,
    /^man\/bhyve-tui\.8$/,
  ];
  const other = packedFiles.filter((f) => !runtime.some((re) => re.test(f)));
  t.deepEqual(other, [], `${other.length} files not needed at run time, e.g. ${other.slice(0, 8).join(', ')}`);
  for (const tool of ['bhyve', 'bhyveload', 'bhyvectl', 'grub-bhyve', 'kldstat', 'kldload', 'ifconfig'])
    t.true(packedFiles.includes(`dist/sim/${tool}.js`), `dist/sim/${tool}.js is missing`);
  for (const needed of ['dist/bhyve-tui.js', 'driver/sim/nmdm-relay.py', 'freebsd/rc.d/bhyve_tui', 'man/bhyve-tui.8'])
    t.true(packedFiles.includes(needed), `${needed} is missing`);
  t.true(
    packedFiles.some((f) => f.startsWith('dist/lib/')),
    'dist/lib/ (the chunks the launcher imports) is missing',
  );
});

test('the packed package.json needs no other package and runs nothing at install time', (t) => {
  const manifest = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as Manifest;
  // The bundles are self-contained; a dependency would have to come from a registry, and one
  // with an install script (serialport's bindings) may have to be compiled.
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
    t.deepEqual(Object.keys((manifest[field] as object | undefined) ?? {}), [], `package.json ${field}`);
  }
  // npm counts prepare among a tarball's install scripts (allowScripts), though it runs it only for links.
  const installTime = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => manifest.scripts?.[s]);
  t.deepEqual(installTime, [], `install-time scripts: ${installTime.join(', ')}`);
  t.false(packedFiles.includes('binding.gyp'));
});

test('npm install -g of the tarball works offline with no compiler on PATH', (t) => {
  t.is(install.status, 0, install.stderr);
  t.notRegex(install.stderr, /install.?scripts/i);
  t.false(fs.existsSync(path.join(fresh, 'lib', 'node_modules', 'bhyve-tui', 'node_modules')), 'npm installed packages with bhyve-tui');
  t.is(fs.realpathSync(path.join(fresh, 'bin', 'bhyve-tui')), path.join(fs.realpathSync(fresh), 'lib', 'node_modules', 'bhyve-tui', 'dist', 'bhyve-tui.js'));
});

test('the installed bhyve-tui prints its version', (t) => {
  const r = run(path.join(fresh, 'bin', 'bhyve-tui'), ['version'], bareEnv);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), `bhyve-tui ${version}`);
});

test('the installed bhyve-tui lists a simulated host through its own daemon and simulator', (t) => {
  const r = run(path.join(fresh, 'bin', 'bhyve-tui'), ['-c', `sim://${simDir}`, 'list', '--all'], bareEnv);
  t.is(r.status, 0, r.stderr);
  for (const name of ['db1', 'debian12', 'freebsd14', 'web1']) t.regex(r.stdout, new RegExp(`\\b${name}\\s+shut off\\b`));
  // The simulated tools it set up run the installed package's bundles, not the checkout's.
  const wrapper = fs.readFileSync(path.join(simDir, 'usr', 'sbin', 'bhyve'), 'utf8');
  t.true(wrapper.includes(path.join(fs.realpathSync(fresh), 'lib', 'node_modules', 'bhyve-tui', 'dist', 'sim', 'bhyve.js')), wrapper);
});

test("man bhyve-tui finds the page: npm links it into the prefix's share/man/man8", (t) => {
  const linked = path.join(fresh, 'share', 'man', 'man8', 'bhyve-tui.8');
  t.true(fs.existsSync(linked), `${linked} is missing`);
  t.is(fs.readFileSync(linked, 'utf8'), fs.readFileSync(path.join(repoRoot, 'man', 'bhyve-tui.8'), 'utf8'));
});
