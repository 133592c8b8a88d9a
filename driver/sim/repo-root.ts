// The simulator's tools (dist/sim/*.js) and nmdm relay (driver/sim/nmdm-relay.py) ship in the
// bhyve-tui package, so they are found from the package root: a checkout, or the installed
// package (e.g. /usr/local/lib/node_modules/bhyve-tui), whichever this code runs from.
export {packageRoot as repoRoot} from '../host/install-paths.js';
