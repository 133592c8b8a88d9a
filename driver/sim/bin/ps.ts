import {runTool} from '../tool-runtime.js';
import {psMain} from '../tools/ps.js';

runTool('ps', psMain);
