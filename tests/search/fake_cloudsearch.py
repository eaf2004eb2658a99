"""A CloudSearch domain in memory, behind real boto3 clients, for the API test-suite.

botocore validates every request against the service model before our `before-call`
hook answers it (the same place `Stubber` answers), and every answer is validated
against the model's output shape. The hook evaluates the structured-query subset the
engine writes (and, or, prefix, range, field:value, latlon boxes, haversin sorting), so
the search tests run unchanged on the CloudSearch engine with the same fixture data.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

_TOKEN = re.compile(r"\(|\)|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|[^\s()]+")


def _parse(text: str) -> Any:
    tokens = _TOKEN.findall(text)

    def read(pos: int) -> tuple[Any, int]:
        if tokens[pos] == "(":
            items, pos = [], pos + 1
            while tokens[pos] != ")":
                item, pos = read(pos)
                items.append(item)
            return items, pos + 1
        token = tokens[pos]
        # field:'value' and field:['a','b'] arrive as two tokens; glue them back.
        if token.endswith(":") and pos + 1 < len(tokens):
            return token + tokens[pos + 1], pos + 2
        return token, pos + 1

    tree, _ = read(0)
    return tree


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _haversin(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _matches(node: Any, doc: dict) -> bool:
    if node == "matchall":
        return True
    if isinstance(node, list):
        op, *args = node
        if op == "and":
            return all(_matches(a, doc) for a in args)
        if op == "or":
            return any(_matches(a, doc) for a in args)
        if op == "prefix":
            field, value = args[0].split("=", 1)[1], _unquote(args[1])
            return any(w.startswith(value) for w in str(doc.get(field, "")).split())
        if op == "range":
            field = args[0].split("=", 1)[1]
            low, high = (p.strip() for p in args[1][1:-1].split(","))
            value = doc.get(field)
            if value is None:
                return False
            if low.startswith("'") or high.startswith("'"):  # dates: ISO strings in UTC
                return (not low or value >= _unquote(low)) and (not high or value <= _unquote(high))
            return (not low or value >= float(low)) and (not high or value <= float(high))
        raise ValueError(f"unsupported operator {op}")
    field, _, value = node.partition(":")
    have = doc.get(field)
    if value.startswith("["):  # latlon box ['north,west','south,east']
        corners = [c.strip("'") for c in value[1:-1].split("','")]
        (north, west), (south, east) = (tuple(map(float, c.split(","))) for c in corners)
        if have is None:
            return False
        lat, lon = map(float, have.split(","))
        return south <= lat <= north and west <= lon <= east
    wanted: Any = _unquote(value) if value.startswith("'") else float(value)
    if isinstance(have, list):
        return wanted in have
    return have == wanted if isinstance(wanted, str) else have is not None and float(have) == wanted


class FakeDomain:
    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        session = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name="eu-west-1"
        )
        self.search_client = session.client(
            "cloudsearchdomain",
            endpoint_url="https://search-fake.eu-west-1.cloudsearch.amazonaws.com",
        )
        self.document_client = session.client(
            "cloudsearchdomain", endpoint_url="https://doc-fake.eu-west-1.cloudsearch.amazonaws.com"
        )
        for client in (self.search_client, self.document_client):
            client.meta.events.register("before-call.cloudsearchdomain.*", self._answer)

    def _answer(self, model, params, **kwargs):
        body = params["body"]
        if model.name == "UploadDocuments":
            result = self._upload(body)
        elif model.name == "Search":
            result = self._search(params["query_string"])
        else:  # pragma: no cover
            raise NotImplementedError(model.name)
        report = ParamValidator().validate(result, model.output_shape)
        if report.has_errors():  # pragma: no cover - a broken fake, not a test failure
            raise AssertionError(report.generate_report())
        return (AWSResponse(None, 200, {}, None), result)

    def _upload(self, body: bytes) -> dict:
        adds = deletes = 0
        for op in json.loads(body):
            if op["type"] == "add":
                self.docs[op["id"]] = op["fields"]
                adds += 1
            else:
                self.docs.pop(op["id"], None)
                deletes += 1
        return {"status": "success", "adds": adds, "deletes": deletes}

    def _search(self, qs: dict) -> dict:
        query, fq = _parse(qs["q"]), _parse(qs["fq"]) if "fq" in qs else "matchall"
        found = [
            (i, d) for i, d in sorted(self.docs.items()) if _matches(query, d) and _matches(fq, d)
        ]
        exprs: dict[str, dict[str, float]] = {}
        expressions = json.loads(qs["expr"]) if "expr" in qs else {}
        if "distance" in expressions:
            lat, lon = map(float, re.findall(r"-?\d+\.\d+", expressions["distance"])[:2])
            for i, d in found:
                if "location" in d:
                    exprs[i] = {
                        "distance": _haversin(lat, lon, *map(float, d["location"].split(",")))
                    }
        if "sort" in qs:
            field, order = qs["sort"].split()

            def key(item):
                i, d = item
                value = exprs.get(i, {}).get(field) if field == "distance" else d.get(field)
                return (value is None, value if value is not None else 0)

            found.sort(key=key, reverse=order == "desc")
        facets = {}
        for name in json.loads(qs["facet"]) if "facet" in qs else {}:
            counts: dict[str, int] = {}
            for _, d in found:
                values = d.get(name)
                for v in (
                    values if isinstance(values, list) else [values] if values is not None else []
                ):
                    counts[str(v)] = counts.get(str(v), 0) + 1
            facets[name] = {"buckets": [{"value": k, "count": n} for k, n in counts.items()]}
        start = int(qs.get("start", 0))
        if qs.get("cursor"):
            start = 0 if qs["cursor"] == "initial" else int(qs["cursor"])
        size = int(qs.get("size", 10))
        window = found[start : start + size]
        wanted = qs.get("return", "")
        hits = []
        for i, d in window:
            fields = {}
            if wanted != "_no_fields":
                names = set(wanted.split(",")) if wanted else set(d)
                for name in names & set(d):
                    value = d[name]
                    fields[name] = (
                        [str(v) for v in value] if isinstance(value, list) else [str(value)]
                    )
            hit = {"id": i, "fields": fields}
            if i in exprs:
                hit["exprs"] = {k: str(v) for k, v in exprs[i].items()}
            hits.append(hit)
        result = {"status": {"timems": 1, "rid": "fake"},
                  "hits": {"found": len(found), "start": start, "hit": hits}}  # fmt: skip
        if qs.get("cursor") and start + size < len(found):
            result["hits"]["cursor"] = str(start + size)
        if facets:
            result["facets"] = facets
        return result
