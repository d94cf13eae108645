"""boto3 through S3's data protection as a user's script uses it, for test/clients/boto3-data-protection.test.ts:
versioning and delete markers, Object Lock with a default retention and the governance bypass, an
archived object restored, and a lifecycle rule removing noncurrent versions.

    python3 boto3-data-protection.py BUCKET_PREFIX

The endpoint comes from COFFER_ENDPOINT, the keys and the region from the usual AWS_* variables.
Prints what it saw as one JSON object; the test asserts on it.
"""
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client('s3', endpoint_url=os.environ['COFFER_ENDPOINT'], config=Config(s3={'addressing_style': 'path'}))
prefix = sys.argv[1]
seen = {}


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPHeaders'].get('x-amz-delete-marker')]
    return None


def until(check, seconds=20):
    end = time.time() + seconds
    while not check():
        if time.time() > end:
            return False
        time.sleep(0.2)
    return True


# Versioning: versions by id, a delete marker, the object back once the marker goes.
b = prefix + '-versions'
s3.create_bucket(Bucket=b)
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket=b, Key='k', Body=b'one')['VersionId']
v2 = s3.put_object(Bucket=b, Key='k', Body=b'two')['VersionId']
marker = s3.delete_object(Bucket=b, Key='k')
seen['deleteMarker'] = marker['DeleteMarker']
seen['headAfterDelete'] = error_of(s3.head_object, Bucket=b, Key='k')
seen['v1'] = s3.get_object(Bucket=b, Key='k', VersionId=v1)['Body'].read().decode()
listed = s3.list_object_versions(Bucket=b)
seen['listed'] = [[v['VersionId'] in (v1, v2), v['IsLatest']] for v in listed['Versions']] + [['marker', m['IsLatest']] for m in listed['DeleteMarkers']]
s3.delete_object(Bucket=b, Key='k', VersionId=marker['VersionId'])
seen['afterMarkerRemoved'] = s3.get_object(Bucket=b, Key='k')['Body'].read().decode()

# Object Lock: a default retention, a refused delete, the bypass.
lb = prefix + '-lock'
s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True)
s3.put_object_lock_configuration(Bucket=lb, ObjectLockConfiguration={'ObjectLockEnabled': 'Enabled', 'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1}}})
lv = s3.put_object(Bucket=lb, Key='l', Body=b'locked')['VersionId']
seen['retention'] = s3.get_object_retention(Bucket=lb, Key='l')['Retention']['Mode']
seen['lockedDelete'] = error_of(s3.delete_object, Bucket=lb, Key='l', VersionId=lv)
s3.delete_object(Bucket=lb, Key='l', VersionId=lv, BypassGovernanceRetention=True)
seen['bypassed'] = error_of(s3.head_object, Bucket=lb, Key='l', VersionId=lv)

# Archive: GLACIER unreadable, restored, readable, with x-amz-restore.
s3.put_object(Bucket=b, Key='cold', Body=b'c' * 100_000, StorageClass='GLACIER')
seen['coldGet'] = error_of(s3.get_object, Bucket=b, Key='cold')
seen['restoreStatus'] = s3.restore_object(Bucket=b, Key='cold', RestoreRequest={'Days': 1, 'GlacierJobParameters': {'Tier': 'Standard'}})['ResponseMetadata']['HTTPStatusCode']
seen['restored'] = until(lambda: s3.head_object(Bucket=b, Key='cold').get('Restore', '').startswith('ongoing-request="false"'))
seen['coldBytes'] = len(s3.get_object(Bucket=b, Key='cold')['Body'].read())

# Lifecycle: noncurrent versions of k go after a (short) day.
s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={'Rules': [{'ID': 'old', 'Filter': {'Prefix': 'k'}, 'Status': 'Enabled', 'NoncurrentVersionExpiration': {'NoncurrentDays': 1}}]})
seen['lifecycleRule'] = s3.get_bucket_lifecycle_configuration(Bucket=b)['Rules'][0]['ID']
seen['expired'] = until(lambda: len(s3.list_object_versions(Bucket=b, Prefix='k').get('Versions', [])) == 1)

print(json.dumps(seen))
