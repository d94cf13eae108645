import { migration as m0001 } from './0001-initial.js';
import { migration as m0002 } from './0002-completed-uploads.js';
import { migration as m0003 } from './0003-objects-by-seq.js';
import { migration as m0004 } from './0004-doomed-blobs.js';
import { migration as m0005 } from './0005-tagging.js';
import { migration as m0006 } from './0006-bucket-config.js';
import { migration as m0009 } from './0009-version-order.js';
import { migration as m0012 } from './0012-usage-and-keys.js';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

/** Forward-only, in order. A merged migration is frozen; fixes go in a new one. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0009, m0012];
