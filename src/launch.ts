// bhyve-tui's entry point (dist/bhyve-tui.js). It is kept small: opening the TUI paints the
// first frame (early-start.ts) before the rest of the program, Ink and React included, is
// loaded from its own chunk; and `[-c URI] proxy`, which ssh runs for every remote request,
// loads the relay alone (proxy-main.ts).

/** `[-c URI | --connect URI | --connect=URI] proxy` and nothing else: its URI (null: the default), else undefined. */
function proxyUri(argv: readonly string[]): string | null | undefined {
  if (argv.at(-1) !== 'proxy') return undefined;
  const [flag, value, ...more] = argv.slice(0, -1);
  if (flag === undefined) return null;
  if (value === undefined && flag.startsWith('--connect=') && flag.includes('://')) return flag.slice('--connect='.length);
  if ((flag === '-c' || flag === '--connect') && value?.includes('://') && more.length === 0) return value;
  return undefined; // a connection name, or more: the command line resolves it
}

const argv = process.argv.slice(2);
const proxy = proxyUri(argv);
if (proxy !== undefined) {
  const {proxyMain} = await import('./proxy-main.js');
  await proxyMain(proxy);
} else {
  const {earlyStart} = await import('./early-start.js');
  const early = await earlyStart(argv);
  const {runCli} = await import('./cli.js');
  await runCli(argv, early);
}
