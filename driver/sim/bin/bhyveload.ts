import {runTool} from '../tool-runtime.js';
import {bhyveloadMain} from '../tools/bhyveload.js';

runTool('bhyveload', bhyveloadMain);
