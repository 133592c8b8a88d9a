import type {BuildOptions} from 'esbuild';

export const root: string;
export function bundleOptions(options?: {fastInkOutput?: boolean}): BuildOptions;
