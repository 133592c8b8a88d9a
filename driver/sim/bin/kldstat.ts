import {runTool} from '../tool-runtime.js';
import {kldstatMain} from '../tools/kldstat.js';

runTool('kldstat', kldstatMain);
