"""moto's server, with the two things our templates need that its CloudFormation lacks.

Started as `python -m infra.rehearse.moto_twin -H 127.0.0.1 -p PORT` (the same arguments
as `moto_server`). Without these, creating the network stack is a 500 (moto cannot
evaluate `Fn::Cidr`) and the database stack too (`!GetAtt Proxy.Endpoint` on a type moto
skips). Both are stand-ins the rehearsal names in its "not proven here" list
(`EXTENSIONS`); every other type moto skips stays skipped, and is listed too.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Any


def cidr(block: str, count: int, bits: int) -> list[str]:
    """`Fn::Cidr`: the first `count` subnets of `block` with `bits` host bits each."""
    network = ipaddress.ip_network(block, strict=False)
    prefix = network.max_prefixlen - int(bits)
    subnets = network.subnets(new_prefix=prefix)
    return [str(next(subnets)) for _ in range(int(count))]


# Types moto's CloudFormation has a model for, but one that fails on our templates' own
# properties (an Aurora engine it has no default version for; a flow log to S3): stood in.
FAILING_MODELS = {"AWS::RDS::DBInstance", "AWS::EC2::FlowLog"}
# Types created for real in moto by the models below (the rest of a skipped type is a
# stand-in: CloudFormation answers Ref and GetAtt for it and nothing exists behind it).
CREATED_BY_HARNESS = {
    "AWS::RDS::DBProxy",
    "AWS::SecretsManager::Secret",
    "AWS::CloudFront::Distribution",  # its origins only: behaviours, functions, policies not
}


def stand_in_attribute(resource_type: str, name: str, attribute: str, region: str) -> str:
    """A plausible value for `!GetAtt <stand-in>.<attribute>` (never a real endpoint)."""
    service = resource_type.split("::")[1].lower()
    kind = resource_type.split("::")[2].lower()
    if attribute == "Arn" and service == "wafv2":
        scope = "global" if region == "us-east-1" else "regional"
        return f"arn:aws:wafv2:{region}:123456789012:{scope}/webacl/{name}/standin"
    if attribute.endswith("Arn") or attribute == "Arn":
        return f"arn:aws:{service}:{region}:123456789012:{kind}/{name}"
    if "Endpoint" in attribute or "DomainName" in attribute:
        return f"{name.lower()}.standin.{region}.invalid"
    if attribute.endswith("Port"):
        return "3306"
    return f"{name}-{attribute}"


def _install() -> None:
    import json
    import secrets

    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.rds.models import rds_backends
    from moto.secretsmanager.models import secretsmanager_backends

    clean_json = parsing.clean_json

    def clean_json_with_cidr(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and set(resource_json) == {"Fn::Cidr"}:
            block, count, bits = (clean_json(v, resources_map) for v in resource_json["Fn::Cidr"])
            return cidr(block, count, bits)
        return clean_json(resource_json, resources_map)

    parsing.clean_json = clean_json_with_cidr

    parse_output = parsing.parse_output

    def parse_output_when_its_condition_holds(
        logical_id: str, output_json: Any, resources_map: Any
    ) -> Any:
        # moto reads the condition with .get() from a lazily evaluated map, which returns
        # the unevaluated (always true) entry: an output of an absent resource then fails.
        if (
            "Condition" in output_json
            and not resources_map.lazy_condition_map[output_json["Condition"]]
        ):
            return None
        return parse_output(logical_id, output_json, resources_map)

    parsing.parse_output = parse_output_when_its_condition_holds  # type: ignore[assignment]

    def exports_whose_condition_holds(self: Any) -> list[Any]:
        # moto exports every output, also one whose Condition is false (its resource absent)
        exports = []
        for value in (self._output_json_map or {}).values():
            condition = value.get("Condition")
            if not value.get("Export") or (
                condition and not self._resource_map.lazy_condition_map[condition]
            ):
                continue
            name = parsing.clean_json(value["Export"].get("Name"), self._resource_map)
            cleaned = parsing.clean_json(value.get("Value"), self._resource_map)
            exports.append(parsing.Export(self._stack_id, name, cleaned))
        return exports

    parsing.OutputMap.exports = property(exports_whose_condition_holds)  # type: ignore[assignment]

    update = parsing.ResourceMap.update

    def update_creating_what_a_condition_now_enables(
        self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None
    ) -> None:
        # moto adds only resources new to the template: one whose Condition turned true on
        # this update (the app stack's API once DeployApi=true) would never be created.
        update(self, template, parameters)
        for name, resource in self._resource_json_map.items():
            condition = resource.get("Condition")
            if name not in self._parsed_resources and (
                not condition or self.lazy_condition_map[condition]
            ):
                _ = self[name]

    parsing.ResourceMap.update = update_creating_what_a_condition_now_enables  # type: ignore[method-assign]

    class HarnessModel(CloudFormationModel):
        # moto files every model under the service its module names (moto.<service>....)
        __module__ = "moto.cloudformation.rehearsal"
        resource_type = ""

        def __init__(self, name: str, region: str, attributes: dict[str, str] | None = None):
            self.name, self.region, self.attributes = name, region, attributes or {}

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return True

        @property
        def physical_resource_id(self) -> str:
            return self.name

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name in self.attributes:
                return self.attributes[attribute_name]
            return stand_in_attribute(self.resource_type, self.name, attribute_name, self.region)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
            account_id: str, region_name: str,
        ) -> Any:  # fmt: skip
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
        ) -> None:
            return None

        def is_created(self) -> bool:
            return True

    class DBProxyModel(HarnessModel):
        __module__ = HarnessModel.__module__
        """AWS::RDS::DBProxy through moto's own RDS backend (describe_db_proxies sees it)."""

        resource_type = "AWS::RDS::DBProxy"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::RDS::DBProxy"

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any,
        ) -> HarnessModel:  # fmt: skip
            props = cloudformation_json["Properties"]
            proxy = rds_backends[account_id][region_name].create_db_proxy(
                db_proxy_name=props.get("DBProxyName", resource_name),
                engine_family=props["EngineFamily"],
                auth=props.get("Auth", []),
                role_arn=props["RoleArn"],
                vpc_subnet_ids=props["VpcSubnetIds"],
                vpc_security_group_ids=props.get("VpcSecurityGroupIds"),
                require_tls=props.get("RequireTLS"),
                idle_client_timeout=props.get("IdleClientTimeout"),
                debug_logging=props.get("DebugLogging"),
                tags=props.get("Tags"),
            )
            attributes = {"Endpoint": proxy.endpoint, "DBProxyArn": proxy.arn}
            return cls(proxy.db_proxy_name, region_name, attributes)

    class SecretModel(HarnessModel):
        __module__ = HarnessModel.__module__
        """AWS::SecretsManager::Secret in moto's Secrets Manager, generated as AWS does."""

        resource_type = "AWS::SecretsManager::Secret"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::Secret"

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any,
        ) -> HarnessModel:  # fmt: skip
            props = cloudformation_json["Properties"]
            value = props.get("SecretString")
            if (generate := props.get("GenerateSecretString")) is not None:
                generated = secrets.token_urlsafe(64)[: int(generate.get("PasswordLength", 32))]
                if key := generate.get("GenerateStringKey"):
                    template = json.loads(generate.get("SecretStringTemplate", "{}"))
                    value = json.dumps(template | {key: generated})
                else:
                    value = generated
            backend = secretsmanager_backends[account_id][region_name]
            name = props.get("Name", resource_name)
            backend.create_secret(
                name=name,
                secret_string=value,
                secret_binary=None,
                description=props.get("Description"),
                tags=props.get("Tags"),
                kms_key_id=props.get("KmsKeyId"),
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
            arn = backend.describe_secret(name).arn
            return cls(arn, region_name, {"Id": arn})

    class DistributionModel(HarnessModel):
        """A moto CloudFront distribution with the template's origins (invalidations work)."""

        __module__ = HarnessModel.__module__
        resource_type = "AWS::CloudFront::Distribution"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudFront::Distribution"

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any,
        ) -> HarnessModel:  # fmt: skip
            from moto.cloudfront.models import cloudfront_backends

            config = cloudformation_json["Properties"]["DistributionConfig"]
            origins = [
                {
                    "Id": o["Id"],
                    "DomainName": o["DomainName"],
                    **({"CustomOriginConfig": o["CustomOriginConfig"]}
                       if "CustomOriginConfig" in o
                       else {"S3OriginConfig": {"OriginAccessIdentity": ""}}),
                }
                for o in config["Origins"]
            ]  # fmt: skip
            default = config["DefaultCacheBehavior"]
            distribution, _, _ = cloudfront_backends[account_id]["global"].create_distribution(
                {
                    "CallerReference": resource_name,
                    "Origins": {"Quantity": len(origins), "Items": origins},
                    "DefaultCacheBehavior": {
                        "TargetOriginId": default["TargetOriginId"],
                        "ViewerProtocolPolicy": default["ViewerProtocolPolicy"],
                    },
                    "Comment": str(config.get("Comment", "")),
                    "Enabled": True,
                },
                [],
            )
            attributes = {
                "DomainName": distribution.domain_name,
                "Id": distribution.distribution_id,
            }
            return cls(distribution.distribution_id, region_name, attributes)

    def stand_in(resource_type: str) -> type[HarnessModel]:
        class StandIn(HarnessModel):
            __module__ = HarnessModel.__module__

            @staticmethod
            def cloudformation_type() -> str:
                return resource_type

            @classmethod
            def create_from_cloudformation_json(
                cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                region_name: str, **kwargs: Any,
            ) -> HarnessModel:  # fmt: skip
                return cls(resource_name, region_name)

        StandIn.resource_type = resource_type
        return StandIn

    known = parsing.get_model_map()
    lookup = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        created = {m.resource_type: m for m in (DBProxyModel, SecretModel, DistributionModel)}
        if resource_type in created:
            return created[resource_type]
        if resource_type.startswith("AWS::") and (
            resource_type not in known or resource_type in FAILING_MODELS
        ):
            return stand_in(resource_type)
        return lookup(resource_type)

    parsing.resource_class_from_type = resource_class_from_type


def main(argv: list[str]) -> None:
    from moto import server

    _install()
    server.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
