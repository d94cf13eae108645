// Configuration parsing: the values each option takes, and the start-up error for any other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('COFFER_SIGV2 is off by default, on or off when set, and a flag overrides it', () => {
  assert.equal(loadConfig({}).sigV2, false);
  assert.equal(loadConfig({ COFFER_SIGV2: 'on' }).sigV2, true);
  assert.equal(loadConfig({ COFFER_SIGV2: 'off' }).sigV2, false);
  assert.equal(loadConfig({ COFFER_SIGV2: '' }).sigV2, false);
  assert.equal(loadConfig({ COFFER_SIGV2: 'off' }, { sigv2: 'on' }).sigV2, true);
  assert.equal(loadConfig({ COFFER_SIGV2: 'on' }, { sigv2: 'off' }).sigV2, false);
});

test('a COFFER_SIGV2 other than on or off stops the start-up with a ConfigError naming it', () => {
  for (const value of ['yes', 'true', '1', 'ON ', 'v2']) {
    assert.throws(() => loadConfig({ COFFER_SIGV2: value }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `COFFER_SIGV2 must be on or off, got '${value}'`);
      return true;
    });
  }
});
