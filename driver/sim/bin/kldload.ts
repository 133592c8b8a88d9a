import {runTool} from '../tool-runtime.js';
import {kldloadMain} from '../tools/kldload.js';

runTool('kldload', kldloadMain);
