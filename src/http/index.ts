export { attachHttp, installHttp } from './interceptor.js';
export type { HttpArgs, StoredResponse, StoredBody, SseEvent } from './exchange.js';
