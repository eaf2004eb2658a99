"""The monthly cost model of infra/COSTS.md: `python infra/costs.py` prints its table.

Prices are AWS's published on-demand prices for eu-west-1 (Ireland) in USD, without free
tier, taxes or discounts (PRICES below, each with its unit). Traffic assumptions are in
LEVELS. Change either and re-run; COSTS.md quotes this output.
"""

from __future__ import annotations

HOURS = 730  # a month
SECONDS = HOURS * 3600

PRICES = {
    "lambda_request": 0.20 / 1e6,  # per request
    "lambda_gb_s": 0.0000166667,  # per GB-second, x86
    "lambda_pc_gb_s": 0.0000041667,  # per GB-second provisioned (kept warm)
    "lambda_pc_duration_gb_s": 0.0000097222,  # per GB-second run on provisioned instances
    "apigw_request": 3.50 / 1e6,  # REST API, first 333 M
    "apigw_cache_0_5_hour": 0.020,  # 0.5 GB cache
    "cloudfront_gb": 0.085,  # data out, Europe / North America, first 10 TB
    "cloudfront_https_request": 0.0120 / 10_000,
    "waf_acl": 5.00,  # per web ACL-month
    "waf_rule": 1.00,  # per rule (or managed group) -month
    "waf_request": 0.60 / 1e6,
    "aurora_acu_hour": 0.14,  # Aurora Serverless v2 (Aurora Standard), Ireland
    "aurora_storage_gb": 0.11,
    "aurora_io": 0.22 / 1e6,
    "proxy_acu_hour": 0.015,  # RDS Proxy on Serverless v2, billed on at least 8 ACUs
    "nat_hour": 0.048,
    "nat_gb": 0.048,
    "endpoint_az_hour": 0.011,  # interface endpoint, per AZ
    "secret": 0.40,
    "secret_calls": 0.05 / 10_000,
    "kms_key": 1.00,
    "s3_gb": 0.023,
    "cloudsearch_small_hour": 0.059,  # search.small instance
    "logs_gb": 0.57,  # CloudWatch Logs ingestion
    "alarm": 0.10,
    # QuickSight Enterprise, month-to-month list prices (per user-month; annual plans and
    # Pro roles differ): authors build the data sets and dashboards, readers view them.
    "quicksight_author": 24.00,
    "quicksight_reader": 3.00,
}

# Requests per month reaching CloudFront's /api/ behaviours, and how the levels differ.
LEVELS = {
    "launch": {
        "quicksight_authors": 1,  # the team reading the exports
        "quicksight_readers": 3,
        "api_requests": 1_000_000,
        "pc_instances": 2,  # zappa provisioned_concurrency
        "writer_acu": 0.5,  # average over the month
        "reader_acu": 0.5,
        "storage_gb": 10,
        "frontend_gb": 50,  # static + front-end bytes served by CloudFront
        "nat_gb": 2,  # Stripe + CloudSearch calls
        "cloudsearch_instances": 1,
        "logs_gb": 3,
        "s3_gb": 20,
    },
    "10x": {
        "quicksight_authors": 2,  # the team reading the exports
        "quicksight_readers": 10,
        "api_requests": 10_000_000,
        "pc_instances": 5,
        "writer_acu": 1.5,
        "reader_acu": 0.5,
        "storage_gb": 40,
        "frontend_gb": 500,
        "nat_gb": 20,
        "cloudsearch_instances": 1,
        "logs_gb": 30,
        "s3_gb": 100,
    },
    "100x": {
        "quicksight_authors": 4,  # the team reading the exports
        "quicksight_readers": 30,
        "api_requests": 100_000_000,
        "pc_instances": 20,
        "writer_acu": 6,
        "reader_acu": 2,
        "storage_gb": 200,
        "frontend_gb": 5_000,
        "nat_gb": 200,
        "cloudsearch_instances": 2,
        "logs_gb": 300,
        "s3_gb": 500,
    },
}

SEARCH_SHARE = 0.6  # of API requests
CLOUDFRONT_SEARCH_HITS = 0.3  # searches answered at the edge (60 s TTL)
APIGW_SEARCH_HITS = 0.2  # of the remaining searches, answered by API Gateway's cache
LAMBDA_SECONDS = 0.15  # average duration of an API request
LAMBDA_GB = 1.0  # memory_size 1024
SCHEDULED_INVOCATIONS = 43_800 + 10_950 + 2_920 + 60  # holds/min, keep-warm, payments, daily
SCHEDULED_SECONDS = 0.2
IO_PER_REQUEST = 20  # Aurora I/O operations per API request reaching the database


def month(level: dict) -> dict[str, float]:
    p = PRICES
    api = level["api_requests"]
    searches = api * SEARCH_SHARE
    past_edge = api - searches * CLOUDFRONT_SEARCH_HITS
    to_lambda = past_edge - searches * (1 - CLOUDFRONT_SEARCH_HITS) * APIGW_SEARCH_HITS
    invocations = to_lambda + SCHEDULED_INVOCATIONS
    gb_s = (to_lambda * LAMBDA_SECONDS + SCHEDULED_INVOCATIONS * SCHEDULED_SECONDS) * LAMBDA_GB
    pc_gb_s_capacity = level["pc_instances"] * LAMBDA_GB * SECONDS
    # Work up to the provisioned capacity (at most 60% busy) is billed at the lower rate.
    on_pc = min(gb_s, pc_gb_s_capacity * 0.6)
    lam = (
        invocations * p["lambda_request"]
        + pc_gb_s_capacity * p["lambda_pc_gb_s"]
        + on_pc * p["lambda_pc_duration_gb_s"]
        + (gb_s - on_pc) * p["lambda_gb_s"]
    )
    edge_requests = api + level["frontend_gb"] * 20_000  # ~50 kB per static answer
    edge_gb = api * 8e-6 + level["frontend_gb"]  # ~8 kB per API answer
    return {
        "Lambda (requests, duration, provisioned)": lam,
        "API Gateway (requests + 0.5 GB cache)": past_edge * p["apigw_request"]
        + p["apigw_cache_0_5_hour"] * HOURS,
        "CloudFront (HTTPS requests + data out)": edge_requests * p["cloudfront_https_request"]
        + edge_gb * p["cloudfront_gb"],
        "WAF (1 ACL, 3 rules, requests)": p["waf_acl"]
        + 3 * p["waf_rule"]
        + past_edge * p["waf_request"],
        "Aurora Serverless v2 (writer + reader ACUs)": (level["writer_acu"] + level["reader_acu"])
        * HOURS
        * p["aurora_acu_hour"],
        "Aurora storage + I/O": level["storage_gb"] * p["aurora_storage_gb"]
        + to_lambda * IO_PER_REQUEST * p["aurora_io"],
        "RDS Proxy (min 8 ACUs billed)": max(8, level["writer_acu"] + level["reader_acu"])
        * HOURS
        * p["proxy_acu_hour"],
        "NAT gateway (1, hours + GB)": p["nat_hour"] * HOURS + level["nat_gb"] * p["nat_gb"],
        "VPC interface endpoints (2 x 2 AZ)": 4 * p["endpoint_az_hour"] * HOURS,
        "CloudSearch (search.small)": level["cloudsearch_instances"]
        * p["cloudsearch_small_hour"]
        * HOURS,
        "Secrets Manager + KMS": 2 * p["secret"]
        + invocations * 0.01 * 2 * p["secret_calls"]  # ~1% of invocations are cold starts
        + p["kms_key"],
        "S3 (all buckets)": level["s3_gb"] * p["s3_gb"],
        "CloudWatch (logs + 6 alarms)": level["logs_gb"] * p["logs_gb"] + 6 * p["alarm"],
        "QuickSight (authors + readers)": level["quicksight_authors"] * p["quicksight_author"]
        + level["quicksight_readers"] * p["quicksight_reader"],
    }


def table() -> str:
    rows = {name: month(level) for name, level in LEVELS.items()}
    lines = ["| item | " + " | ".join(rows) + " |", "|---|" + "---:|" * len(rows)]
    for item in next(iter(rows.values())):
        lines.append(f"| {item} | " + " | ".join(f"{r[item]:,.0f}" for r in rows.values()) + " |")
    totals = " | ".join(f"**{sum(r.values()):,.0f}**" for r in rows.values())
    lines.append(f"| **total (USD / month)** | {totals} |")
    per_million = " | ".join(
        f"{sum(r.values()) / (LEVELS[n]['api_requests'] / 1e6):,.1f}" for n, r in rows.items()
    )
    lines.append(f"| per million API requests | {per_million} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())  # noqa: T201
