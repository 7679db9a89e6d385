"""The write units a table's items cost when each was written once (`scripts/bench-county-archive.sh`):
each item's size by DynamoDB's rule (attribute names plus values), one WRU per KB begun, twice
that for the items written in transactions (county days, their change batches and change
records, and each listing with a check of its state's counter); each state's write counter cost
2 WRU per transaction (its value). A first load into an empty table writes each item once,
so this is what it cost."""
import sys

import boto3

endpoint, table = sys.argv[1], sys.argv[2]
client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")


def size(item):
    total = 0
    for name, value in item.items():
        (kind, v), = value.items()
        total += len(name.encode())
        total += len(v) if kind == "B" else len(str(v).encode())
    return total


kinds = {}
for page in client.get_paginator("scan").paginate(TableName=table):
    for item in page["Items"]:
        pk, sk = item["pk"]["S"], item["sk"]["S"]
        if pk.startswith("counties#") and sk == "listing#writes":
            # A state's write counter: one transactional update (2 WRU) per transaction.
            n, b, w, largest = kinds.get("county write counters", (0, 0, 0, 0))
            kinds["county write counters"] = (n + 1, b + size(item), w + 2 * int(item["n"]["N"]), largest)
            continue
        elif pk.startswith("counties#"):
            kind = "county listings" if sk == "listing" else "county days"
        elif pk.startswith("countychanges#"):
            kind = "county change batches"
        elif pk == "series#US" and sk.startswith("pending#"):
            kind = "change records"
        else:
            continue
        n, b, w, largest = kinds.get(kind, (0, 0, 0, 0))
        s = size(item)
        # Every item here is written in a transaction (2 WRU per KB begun); a listing's
        # transaction also checks its state's counter (an item under 1 KB: 2 WRU).
        units = -(-s // 1024) * 2 + (2 if kind == "county listings" else 0)
        kinds[kind] = (n + 1, b + s, w + units, max(largest, s))
total = 0
for kind, (n, b, w, largest) in sorted(kinds.items()):
    total += w
    print(f"{kind}: {n:,} items, {b:,} B (largest {largest:,} B), {w:,} WRU")
print(f"total: {total:,} WRU")
