"""Reading a spreadsheet's cells and naming rows by natural keys (the resources' parts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model
from import_export import fields, resources, widgets


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a spreadsheet's number
        value = int(value)
    return str(value).strip()


def utc(value: Any) -> datetime:
    """A UTC instant from ISO 8601 text ("2026-12-06T10:30Z") or a spreadsheet's date-time
    (no zone: read as UTC, which is how this file writes them)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(text(value))
        except ValueError:
            raise ValueError(f"{text(value)!r} is not a date-time (2026-12-06T10:30Z)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class StrictBooleanWidget(widgets.BooleanWidget):
    """Yes or no, and anything else an error: the library's widget reads "yes" as false."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool | None:
        cell = text(value).lower()
        if cell in ("1", "true", "yes"):
            return True
        if cell in ("0", "false", "no"):
            return False
        if cell == "":
            return None
        raise ValueError(f"{value!r} is neither true nor false")


class KeyWidget(widgets.ForeignKeyWidget):
    """A foreign key named by one or more columns of the row (its natural key).

    `parts` are (lookup path on the related model, column, how the column is read). Found
    rows are remembered for the import: a file names few lines many times."""

    def __init__(
        self,
        model: type[Model],
        parts: list[tuple[str, str, Callable[[Any], Any]]],
        render: Callable[[Any], str],
    ) -> None:
        super().__init__(model, field=parts[-1][0])
        self.parts = parts
        self.render_key = render
        self.found: dict[tuple[Any, ...], Any] = {}
        self.by_pk: dict[Any, Any] = {}

    def key(self, row: Any) -> tuple[Any, ...]:
        values = []
        for _, column, read in self.parts:
            value = row.get(column)
            if text(value) == "":
                raise ValueError(f"{column} is missing")
            values.append(read(value))
        return tuple(values)

    def preload(self, rows: Iterable[Any]) -> None:
        """Find every row's key in one query (a superset, matched here)."""
        keys = set()
        for row in rows:
            try:
                keys.add(self.key(row))
            except ValueError:
                continue  # reported when the row is imported
        if not keys:
            return
        lookups = {f"{path}__in": {k[i] for k in keys} for i, (path, _, _) in enumerate(self.parts)}
        related = {path.rsplit("__", 1)[0] for path, _, _ in self.parts if "__" in path}
        for obj in self.model.objects.filter(**lookups).select_related(*related):
            self.found[self.key_of(obj)] = obj
            self.by_pk[obj.pk] = obj

    def key_of(self, obj: Any) -> tuple[Any, ...]:
        values = []
        for path, _, _ in self.parts:
            value = obj
            for attr in path.split("__"):
                value = getattr(value, attr)
            values.append(value)
        return tuple(values)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        key = self.key(row)
        if key not in self.found:
            found = self.model.objects.filter(
                **dict(zip((p for p, _, _ in self.parts), key, strict=True))
            ).first()
            if found is None:
                named = ", ".join(f"{c} {text(row.get(c))}" for _, c, _ in self.parts)
                raise ValueError(f"no {self.model._meta.verbose_name} with {named}")
            self.found[key] = self.by_pk[found.pk] = found
        return self.found[key]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else self.render_key(value)


def _missing(exc: Exception) -> str:
    """A lookup's failure as staff read it (not Django's "matching query does not exist")."""
    if isinstance(exc, ObjectDoesNotExist):
        return str(exc).replace(" matching query does not exist.", " not found")
    return str(exc)


def column(name: str, widget: Any, **kwargs: Any) -> fields.Field:
    """A column named as the model's field it is read into."""
    return fields.Field(attribute=name, column_name=name, widget=widget, **kwargs)


def key_field(attribute: str, column: str, widget: KeyWidget) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widget)


def parent_column(attribute: str, column: str) -> fields.Field:
    """A column read with a key (the row's parent's name): exported, not imported alone."""
    return fields.Field(
        attribute=attribute, column_name=column, readonly=True,
        widget=widgets.Widget(coerce_to_string=True),
    )  # fmt: skip


class CatalogResource(resources.ModelResource):
    """A catalog table: created or updated by natural key, unchanged rows skipped."""

    key_widgets: ClassVar[tuple[str, ...]] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True
        skip_html_diff = True

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        try:
            return super().get_instance(instance_loader, row)
        except (ValueError, ObjectDoesNotExist) as exc:
            raise ValidationError({self.get_import_id_fields()[0]: _missing(exc)}) from None

    def import_field(
        self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any
    ) -> None:
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except ObjectDoesNotExist as exc:
            raise ValueError(_missing(exc)) from None
        except ArithmeticError:  # DecimalWidget's InvalidOperation
            raise ValueError(f"{row.get(field.column_name)!r} is not a number") from None

    def key_widget(self, name: str) -> KeyWidget:
        widget = self.fields[name].widget
        if not isinstance(widget, KeyWidget):
            raise TypeError(f"{name} is not named by a key")
        return widget

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        for name in self.key_widgets:
            self.key_widget(name).preload(dataset.dict)


class UtcWidget(widgets.Widget):
    """Instants as ISO 8601 UTC text, whatever the server's zone."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime | None:
        return None if text(value) == "" and not isinstance(value, datetime) else utc(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else utc_text(value)
