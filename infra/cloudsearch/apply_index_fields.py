"""Define (or update) the CloudSearch domain's index fields from index-fields.json.

CloudFormation has no CloudSearch resource, so the domain is created once by hand or with
`aws cloudsearch create-domain`, and its schema is applied by this script:

    python infra/cloudsearch/apply_index_fields.py --domain travelguru-prod [--region eu-west-1]

It then asks CloudSearch to re-index (needed after field changes; takes minutes).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

FIELDS_FILE = Path(__file__).with_name("index-fields.json")


def index_fields() -> list[dict]:
    return json.loads(FIELDS_FILE.read_text())["IndexFields"]


def apply(client, domain: str) -> list[str]:
    """Define every field, then index the documents again; returns the field names."""
    names = []
    for field in index_fields():
        client.define_index_field(DomainName=domain, IndexField=field)
        names.append(field["IndexFieldName"])
    client.index_documents(DomainName=domain)
    return names


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--region")
    args = parser.parse_args()
    names = apply(boto3.client("cloudsearch", region_name=args.region), args.domain)
    print(f"defined {len(names)} fields on {args.domain}; re-indexing started")  # noqa: T201


if __name__ == "__main__":
    main()
