// Every fuzz target, in the order `npm run fuzz` runs them.
import type { FuzzTarget } from './harness.js';
import { SIGV4_TARGETS } from './targets-sigv4.js';
import { CHUNKED_TARGETS } from './targets-chunked.js';
import { XML_TARGETS } from './targets-xml.js';
import { HEADER_TARGETS } from './targets-headers.js';
import { POST_TARGETS } from './targets-post.js';

export const TARGETS: readonly FuzzTarget[] = [...SIGV4_TARGETS, ...CHUNKED_TARGETS, ...XML_TARGETS, ...HEADER_TARGETS, ...POST_TARGETS];
