import {runTool} from '../tool-runtime.js';
import {grubBhyveMain} from '../tools/grub-bhyve.js';

runTool('grub-bhyve', grubBhyveMain);
