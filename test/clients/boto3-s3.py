"""boto3 as a user's script drives it, one operation per run, for test/clients/boto3.test.ts.

    python3 boto3-s3.py OPERATION '{"Bucket": ..., ...}'

The endpoint and the CA bundle come from COFFER_ENDPOINT and COFFER_CA_BUNDLE (empty: HTTP), the
keys and the region from the usual AWS_* variables. Prints the result as one JSON value.
"""
import json
import os
import sys

import boto3
from botocore.config import Config


# boto3 presigns for a custom endpoint with Signature Version 2 unless asked for version 4.
# https://boto3.amazonaws.com/v1/documentation/api/latest/guide/configuration.html
CONFIG = Config(signature_version='s3v4', s3={'addressing_style': 'path'})


def connection():
    return {'endpoint_url': os.environ['COFFER_ENDPOINT'], 'verify': os.environ.get('COFFER_CA_BUNDLE') or True, 'config': CONFIG}


def run(op, a):
    s3 = boto3.client('s3', **connection())
    if op == 'create_bucket':
        s3.create_bucket(Bucket=a['Bucket'])
    elif op == 'upload_file':
        # The managed transfer: multipart above 8 MiB, in 8 MiB parts (TransferConfig defaults).
        s3.upload_file(a['Filename'], a['Bucket'], a['Key'])
    elif op == 'list_objects_v2':
        out = []
        for page in s3.get_paginator('list_objects_v2').paginate(Bucket=a['Bucket']):
            out += [{'key': o['Key'], 'size': o['Size']} for o in page.get('Contents', [])]
        return out
    elif op == 'head_object':
        h = s3.head_object(Bucket=a['Bucket'], Key=a['Key'])
        return {'size': h['ContentLength'], 'etag': h['ETag'].strip('"')}
    elif op == 'download_file':
        s3.download_file(a['Bucket'], a['Key'], a['Filename'])
    elif op == 'get_object_range':
        body = s3.get_object(Bucket=a['Bucket'], Key=a['Key'], Range=a['Range'])['Body']
        with open(a['Filename'], 'wb') as f:
            for chunk in body.iter_chunks():
                f.write(chunk)
    elif op == 'copy':
        # The managed copy: UploadPartCopy in 8 MiB parts above 8 MiB.
        s3.copy({'Bucket': a['Bucket'], 'Key': a['From']}, a['Bucket'], a['To'])
    elif op == 'put_object_tagging':
        tag_set = [{'Key': k, 'Value': v} for k, v in a['Tags'].items()]
        s3.put_object_tagging(Bucket=a['Bucket'], Key=a['Key'], Tagging={'TagSet': tag_set})
    elif op == 'get_object_tagging':
        tag_set = s3.get_object_tagging(Bucket=a['Bucket'], Key=a['Key'])['TagSet']
        return {t['Key']: t['Value'] for t in tag_set}
    elif op == 'generate_presigned_url':
        return s3.generate_presigned_url('get_object', Params={'Bucket': a['Bucket'], 'Key': a['Key']}, ExpiresIn=600)
    elif op == 'delete_object':
        s3.delete_object(Bucket=a['Bucket'], Key=a['Key'])
    elif op == 'empty_bucket':
        # The resource API's batch action: DeleteObjects for each page of the listing.
        boto3.resource('s3', **connection()).Bucket(a['Bucket']).objects.all().delete()
    elif op == 'delete_bucket':
        s3.delete_bucket(Bucket=a['Bucket'])
    else:
        raise SystemExit('unknown operation ' + op)
    return None


if __name__ == '__main__':
    print(json.dumps(run(sys.argv[1], json.loads(sys.argv[2]))))
