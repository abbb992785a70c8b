"""The s3metadataFetcher Lambda as it is usually written in Python: the peer that bench/lambda
measures `imgmeta lambda` against.

For every S3 record: download the whole object with boto3, open it with Pillow (which parses
the header and the EXIF block but decodes no pixels until asked), and write one item with the
size, format and EXIF tags to the DynamoDB table. Clients are made once, at import (the init
phase). Runs on Debian's python3 with python3-boto3 and python3-pil (Pillow 9.4: no HEIF or
AVIF reader, so those images end `unsupported`).

Environment: TABLE_NAME; AWS_ENDPOINT_URL for local endpoints (passed explicitly: Debian's
botocore 1.29 predates the SDKs reading that variable).
"""

import io
import json
import os
import time
import urllib.parse

import boto3
from PIL import ExifTags, Image, UnidentifiedImageError

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL") or None
REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")  # botocore 1.29 reads only the latter
s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION)
table = boto3.resource("dynamodb", endpoint_url=ENDPOINT, region_name=REGION).Table(os.environ["TABLE_NAME"])

EXIF_IFD = 0x8769
GPS_IFD = 0x8825


def plain(value):
    """An EXIF value as something json.dumps takes (rationals become floats)."""
    if isinstance(value, bytes):
        return value.decode("latin-1")[:256]
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, (int, str)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return str(value)


def exif_tags(img):
    exif = img.getexif()
    tags = {ExifTags.TAGS.get(k, str(k)): plain(v) for k, v in exif.items() if k not in (EXIF_IFD, GPS_IFD)}
    tags.update({ExifTags.TAGS.get(k, str(k)): plain(v) for k, v in exif.get_ifd(EXIF_IFD).items()})
    tags.update({ExifTags.GPSTAGS.get(k, str(k)): plain(v) for k, v in exif.get_ifd(GPS_IFD).items()})
    return tags


def describe(body):
    """status, fields for the item."""
    try:
        with Image.open(io.BytesIO(body)) as img:
            tags = exif_tags(img)
            fields = {"format": img.format, "width": img.width, "height": img.height,
                      "metadata": json.dumps(tags, default=str)}
            for name in ("Make", "Model", "DateTimeOriginal"):
                if isinstance(tags.get(name), str) and tags[name]:
                    fields[name[0].lower() + name[1:]] = tags[name]
            return "ready", fields
    except UnidentifiedImageError as e:
        return "unsupported", {"error": str(e)[:500]}
    except Exception as e:  # a broken file must not fail the whole batch
        return "failed", {"error": f"{type(e).__name__}: {e}"[:500]}


def handler(event, context):
    results = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        obj = s3.get_object(Bucket=bucket, Key=key)
        body = obj["Body"].read()
        _, owner, image_id = key.split("/", 2)
        status, fields = describe(body)
        item = {"owner": owner, "imageId": image_id, "status": status, "size": len(body),
                "contentType": obj.get("ContentType", "application/octet-stream"),
                "updatedAt": int(time.time() * 1000), **fields}
        table.put_item(Item=item)
        print(json.dumps({"key": key, "status": status, "bytes": len(body)}), flush=True)
        results.append(status)
    return {"processed": len(results)}
