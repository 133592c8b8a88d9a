import {runTool, simRootFromEnv} from '../tool-runtime.js';
import {bhyveMain} from '../tools/bhyve.js';

runTool('bhyve', (argv) => bhyveMain(simRootFromEnv(), argv));
