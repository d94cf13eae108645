// The two tests of a client file, over HTTP and over HTTPS, named after the client and the
// protocol; each runs the whole scenario against the file's Coffer.
import { test } from 'node:test';
import type { Env } from '../../../src/config.js';
import { clientsFixtureForFile, PROTOCOLS, targetFor } from './fixture.js';
import type { Target } from './fixture.js';
import type { ClientPresence } from './run.js';
import { runScenario } from './scenario.js';
import type { ScenarioClient } from './scenario.js';

/** A whole scenario, 40 MB up, down and copied, on a busy 2-core machine. */
const SCENARIO_TIMEOUT_MS = 10 * 60_000;

export function clientScenarioTests(client: string, presence: ClientPresence, make: (target: Target) => ScenarioClient | Promise<ScenarioClient>, env: Env = {}): void {
  // A client that is absent costs nothing: no Coffer, no 40 MB file.
  const fx = presence.skip === undefined && presence.missing === undefined ? clientsFixtureForFile(env) : undefined;
  for (const protocol of PROTOCOLS) {
    test(`${client} over ${protocol.toUpperCase()}`, { skip: presence.skip, timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      if (presence.missing !== undefined) throw new Error(presence.missing);
      if (fx === undefined) return;
      const target = await targetFor(fx, protocol, client);
      const c = await make(target);
      try {
        await runScenario(t, fx, c, target.dir);
      } finally {
        await c.close?.();
      }
    });
  }
}
