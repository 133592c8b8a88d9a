import {runTool} from '../tool-runtime.js';
import {sttyMain} from '../tools/stty.js';

runTool('stty', sttyMain);
