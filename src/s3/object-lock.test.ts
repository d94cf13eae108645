import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode as code } from '../../test/helpers/s3-errors.js';
import { parseLegalHold, parseObjectLockConfiguration, parseRetention } from './object-lock.js';
import { parseObjectLockHeaders } from './object-headers.js';
import { parseVersioningConfiguration } from './bucket.js';

const conf = (inner: string): string => `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</ObjectLockConfiguration>`;

test('an ObjectLockConfiguration reads as its default retention, in Days or Years', () => {
  assert.deepEqual(parseObjectLockConfiguration(conf('<ObjectLockEnabled>Enabled</ObjectLockEnabled>')), {});
  assert.deepEqual(
    parseObjectLockConfiguration(conf('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>30</Days></DefaultRetention></Rule>')),
    { defaultRetention: { mode: 'GOVERNANCE', days: 30 } },
  );
  assert.deepEqual(
    parseObjectLockConfiguration(conf('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>7</Years></DefaultRetention></Rule>')),
    { defaultRetention: { mode: 'COMPLIANCE', years: 7 } },
  );
});

test('an ObjectLockConfiguration off its schema is MalformedXML; a period out of range InvalidRetentionPeriod', () => {
  assert.equal(
    code(() => parseObjectLockConfiguration('')),
    'MissingRequestBodyError',
  );
  assert.equal(
    code(() => parseObjectLockConfiguration(conf('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule></Rule>'))),
    'MalformedXML',
  );
  assert.equal(
    code(() =>
      parseObjectLockConfiguration(conf('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>x</Days></DefaultRetention></Rule>')),
    ),
    'MalformedXML',
  );
  assert.equal(
    code(() =>
      parseObjectLockConfiguration(
        conf('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>36501</Days></DefaultRetention></Rule>'),
      ),
    ),
    'InvalidRetentionPeriod',
  );
  assert.equal(
    code(() => parseObjectLockConfiguration('<Other/>')),
    'MalformedXML',
  );
});

test('a Retention reads as mode and date, an empty one as none; a LegalHold as ON or OFF', () => {
  assert.deepEqual(parseRetention('<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>'), {
    mode: 'COMPLIANCE',
    retainUntil: Date.UTC(2030, 0, 1),
  });
  assert.deepEqual(
    parseRetention('<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T01:00:00.123456+01:00</RetainUntilDate></Retention>')?.retainUntil,
    Date.UTC(2030, 0, 1, 0, 0, 0, 123),
  );
  assert.equal(parseRetention('<Retention/>'), undefined);
  assert.equal(
    code(() => parseRetention('<Retention><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>')),
    'MalformedXML',
  );
  assert.equal(
    code(() => parseRetention('<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>Jan 1 2030</RetainUntilDate></Retention>')),
    'InvalidArgument',
  );
  assert.equal(parseLegalHold('<LegalHold><Status>ON</Status></LegalHold>'), true);
  assert.equal(parseLegalHold('<LegalHold><Status>OFF</Status></LegalHold>'), false);
  assert.equal(
    code(() => parseLegalHold('<LegalHold><Status>on</Status></LegalHold>')),
    'MalformedXML',
  );
});

test('x-amz-object-lock-* headers read as the lock asked for; mode and date come together and the date in the future', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(parseObjectLockHeaders({}, now), undefined);
  assert.deepEqual(parseObjectLockHeaders({ 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': '2030-01-01T00:00:00.000Z' }, now), {
    mode: 'GOVERNANCE',
    retainUntil: Date.UTC(2030, 0, 1),
  });
  assert.deepEqual(parseObjectLockHeaders({ 'x-amz-object-lock-legal-hold': 'OFF' }, now), { legalHold: false });
  assert.equal(
    code(() => parseObjectLockHeaders({ 'x-amz-object-lock-retain-until-date': '2030-01-01T00:00:00Z' }, now)),
    'InvalidArgument',
  );
  assert.equal(
    code(() => parseObjectLockHeaders({ 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': '2025-01-01T00:00:00Z' }, now)),
    'InvalidArgument',
  );
});

test('a VersioningConfiguration reads its Status; MFA Delete Enabled is refused, Disabled accepted', () => {
  assert.deepEqual(parseVersioningConfiguration('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'), { status: 'Enabled' });
  assert.deepEqual(parseVersioningConfiguration('<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>'), {
    status: 'Suspended',
  });
  assert.deepEqual(parseVersioningConfiguration('<VersioningConfiguration/>'), { status: undefined });
  assert.equal(
    code(() => parseVersioningConfiguration('<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>')),
    'MalformedXML',
  );
  assert.equal(
    code(() => parseVersioningConfiguration('<VersioningConfiguration><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>')),
    'NotImplemented',
  );
});
