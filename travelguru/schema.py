"""OpenAPI schema generation.

STYLE.md nests each API's serializers inside the API class (``InputSerializer``,
``OutputSerializer``). drf-spectacular names components after the bare class name, so two
APIs' ``OutputSerializer`` would collide. Name nested serializers after their owner instead:
``OfferDetailApi.OutputSerializer`` becomes the component ``OfferDetailOutput``.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


def component_name(serializer_class: type) -> str:
    qualname = serializer_class.__qualname__
    if "." not in qualname:
        return serializer_class.__name__
    parts = qualname.split(".")
    owner = "".join(part.removesuffix("Api").removesuffix("View") for part in parts[:-1])
    return owner + parts[-1]


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        return component_name(type(serializer))
