import {runTool} from '../tool-runtime.js';
import {sysctlMain} from '../tools/sysctl.js';

runTool('sysctl', sysctlMain);
