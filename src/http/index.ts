export { attachHttp, httpUnavailable, installHttp } from './interceptor.js';
export type { HttpArgs, StoredResponse, StoredBody, SseEvent } from './exchange.js';
