// npm run bench -- NAME: runs one benchmark. Each prints its figures next to a reference
// measured in the same run, as a ratio, rather than asserting a time.
const benches: Record<string, string> = {
  translate: './bench-translate.ts',
  supervise: './bench-supervise.ts',
  console: './bench-console.ts',
  tui: './bench-tui.ts',
  deps: './bench-deps.ts',
  remote: './bench-remote.ts',
};

const name = process.argv[2];
if (!name || !(name in benches)) {
  console.error(`usage: npm run bench -- NAME   (NAME: ${Object.keys(benches).join(', ')})`);
  process.exit(2);
}
await import(benches[name]!);
