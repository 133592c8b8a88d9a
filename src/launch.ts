// bhyve-tui's entry point (dist/bhyve-tui.js). It is kept small: opening the TUI paints the
// first frame (early-start.ts) before the rest of the program, Ink and React included, is
// loaded from its own chunk.
import {earlyStart} from './early-start.js';

const argv = process.argv.slice(2);
const early = await earlyStart(argv);
const {runCli} = await import('./cli.js');
await runCli(argv, early);
