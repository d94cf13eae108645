import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newVersionId } from './object-write.js';
import { isVersionId, versionIdTime } from './version-id.js';

test('a generated version id is valid and tells when it was made', () => {
  const before = Date.now();
  const id = newVersionId();
  assert.ok(isVersionId(id), id);
  const t = versionIdTime(id)!;
  assert.ok(t >= before && t <= Date.now(), `${t}`);
});

test("'null' is a version id without a time; other strings are not version ids", () => {
  assert.equal(isVersionId('null'), true);
  assert.equal(versionIdTime('null'), undefined);
  for (const bad of ['', 'NULL', 'abc', '3/L4kqtJl40Nr8X8gdRQBpUMLUo', `${newVersionId()}x`]) assert.equal(isVersionId(bad), false, bad);
});
