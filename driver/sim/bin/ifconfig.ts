import {runTool} from '../tool-runtime.js';
import {ifconfigMain} from '../tools/ifconfig.js';

runTool('ifconfig', ifconfigMain);
