import {runTool} from '../tool-runtime.js';
import {bhyvectlMain} from '../tools/bhyvectl.js';

runTool('bhyvectl', bhyvectlMain);
