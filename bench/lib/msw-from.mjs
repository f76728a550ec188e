// `node --import bench/lib/msw-from.mjs`: bare `msw` and `@mswjs/interceptors` specifiers resolve from the
// folder in TAPEDECK_BENCH_MSW_FROM instead of tapedeck's own node_modules, so a bench child measures
// msw 3 (and tapedeck joining its interceptors 0.45) with the same worker code as msw 2.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const from = process.env.TAPEDECK_BENCH_MSW_FROM;
if (from === undefined) throw new Error('msw-from.mjs: set TAPEDECK_BENCH_MSW_FROM to the folder that has the msw to use');
const hook = `
let parentURL;
export function initialize(data) { parentURL = data.parentURL; }
export async function resolve(specifier, context, next) {
  if (/^(msw|@mswjs\\/interceptors)(\\/|$)/.test(specifier)) return next(specifier, { ...context, parentURL });
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { parentURL: pathToFileURL(`${from}/package.json`).href } });
