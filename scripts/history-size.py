"""The history's size in a table (`scripts/bench-history.sh`): day items, how many carry
history, and the bytes of the `vintage` and `history` attributes by DynamoDB's item size rule
(attribute name plus UTF-8 value), against the bytes of the whole day items."""
import sys

import boto3

endpoint, table = sys.argv[1], sys.argv[2]
client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
days = revised = versions = history_bytes = day_bytes = 0
for page in client.get_paginator("scan").paginate(TableName=table):
    for item in page["Items"]:
        if not item["sk"]["S"].startswith("day#"):
            continue
        days += 1
        size = 0
        for name, value in item.items():
            (kind, text), = value.items()
            size += len(name) + len(text.encode())
        day_bytes += size
        for name in ("vintage", "history"):
            if name in item:
                history_bytes += len(name) + len(item[name]["S"].encode())
        if "history" in item:
            revised += 1
            versions += item["history"]["S"].count(";") + 1
print(
    f"history: {days} day items ({revised} revised, {versions} earlier values kept, "
    f"0 extra items); vintage+history {history_bytes:,} B of {day_bytes:,} B of day items "
    f"({100 * history_bytes / max(day_bytes, 1):.1f}%)"
)
