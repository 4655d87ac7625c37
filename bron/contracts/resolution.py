"""Avro schema resolution (Avro specification, "Schema Resolution"): can a reader schema read
every datum a writer schema can write? Pure functions over parsed `avro.schema` objects.

Why not `avro.compatibility.ReaderWriterCompatibilityChecker` as is: it compares record names
with the reader's unqualified name against the writer's (ignoring an alias's namespace rules),
reports locations as field indexes ("/fields/3/type"), treats a reader field without a default
but with an enum type as special, ignores decimal precision and scale, and builds messages a
data steward cannot act on. The rules below follow the same structure (and the Java
`SchemaCompatibility` that Confluent uses), with these decisions:

- Names: two named types match when their unqualified names are equal (the spec: namespaces
  are not compared), or when the writer's full name is one of the reader's aliases; an alias
  without a dot is qualified with the reader type's namespace (as Java does).
- Record fields are matched by the reader field's name, then by the reader field's aliases.
  On a name mismatch the record/enum/fixed is reported once and its contents are not compared.
- Logical types resolve by their underlying type, except decimal against decimal: precision
  and scale must both be equal (the spec: decimals match only then), rule `decimal-mismatch`.
- Unions: the reader branch for a writer type is chosen as a decoder does: the same type with
  the same full name (or that name as an alias), then the same unqualified name, then a
  promotion; the chosen branch is then resolved recursively, so nested problems keep their
  path.
- Self-referencing types: a (reader, writer) record pair under check is assumed compatible
  when met again (co-induction); finished pairs are cached, so shared types cost one check.

Paths: "/" is the root; a field adds "/name" (the reader's field name); array items add "[]"
and map values "{}", e.g. "/adressen[]/huisnummer". Union branches do not add to the path;
the message names the branch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from avro.schema import (
    ArraySchema,
    BytesDecimalSchema,
    EnumSchema,
    FixedDecimalSchema,
    FixedSchema,
    MapSchema,
    NamedSchema,
    RecordSchema,
    Schema,
    UnionSchema,
)

# writer type -> reader types it is promoted to
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}

Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """One broken resolution rule. `path` uses the style described in the module docstring;
    `rule` is a stable id; `direction` says which pairwise check failed."""

    path: str
    rule: str
    message: str
    direction: str


@dataclass(frozen=True, slots=True)
class Sides:
    """How messages name the two schemas, and which of them is the newly proposed one."""

    reader: str = "the reader schema"
    writer: str = "the writer schema"
    new: str | None = None  # "reader", "writer" or None (unknown)
    direction: str = "reader reads writer"


@dataclass(frozen=True, slots=True)
class _Issue:
    path: Path
    rule: str
    detail: str
    fix: str


def render_path(path: Path) -> str:
    text = "".join(seg if seg in ("[]", "{}") else f"/{seg}" for seg in path)
    return text if text.startswith("/") else f"/{text}"


def check_pair(reader: Schema, writer: Schema, sides: Sides | None = None) -> list[Incompatibility]:
    """Every way in which `reader` fails to read data written with `writer` (empty: it can)."""
    sides = sides or Sides()
    issues = _Resolver(sides).resolve(reader, writer)
    return [_publish(issue, sides) for issue in issues]


def _publish(issue: _Issue, sides: Sides) -> Incompatibility:
    path = render_path(issue.path)
    where = "At the root of the schema" if path == "/" else f"Field '{path}'"
    message = (
        f"{where}: {issue.detail}, so data written with {sides.writer} cannot be read with "
        f"{sides.reader} (rule {issue.rule}). Fix: {issue.fix}."
    )
    return Incompatibility(path, issue.rule, message, sides.direction)


def kind(schema: Schema) -> str:
    return "record" if isinstance(schema, RecordSchema) else str(schema.type)


def describe(schema: Schema) -> str:
    if isinstance(schema, UnionSchema):
        return "union [" + ", ".join(describe(b) for b in schema.schemas) + "]"
    if isinstance(schema, ArraySchema):
        return f"array of {describe(schema.items)}"
    if isinstance(schema, MapSchema):
        return f"map of {describe(schema.values)}"
    text = (
        f"{kind(schema)} '{schema.fullname}'" if isinstance(schema, NamedSchema) else kind(schema)
    )
    decimal = _decimal(schema)
    if decimal is not None:
        text += f" (decimal precision {decimal[0]}, scale {decimal[1]})"
    return text


def _decimal(schema: Schema) -> tuple[int, int] | None:
    if isinstance(schema, BytesDecimalSchema | FixedDecimalSchema):
        return int(schema.precision), int(schema.scale)
    return None


def _promotable(writer: Schema, reader: Schema) -> bool:
    return kind(reader) in PROMOTIONS.get(kind(writer), frozenset())


def _short(fullname: str) -> str:
    return fullname.rpartition(".")[2]


def alias_fullnames(schema: NamedSchema) -> list[str]:
    namespace = str(schema.fullname).rpartition(".")[0]
    aliases = schema.props.get("aliases")
    if not isinstance(aliases, list):
        return []
    return [a if "." in a or not namespace else f"{namespace}.{a}" for a in aliases]


def names_match(reader: NamedSchema, writer: NamedSchema) -> bool:
    if _short(reader.fullname) == _short(writer.fullname):
        return True
    return str(writer.fullname) in alias_fullnames(reader)


def _branch_rank(branch: Schema, writer: Schema) -> int | None:
    """How well a reader union branch fits a writer type: lower is better, None is no fit."""
    if kind(branch) != kind(writer):
        return 3 if _promotable(writer, branch) else None
    if not (isinstance(branch, NamedSchema) and isinstance(writer, NamedSchema)):
        return 0
    if branch.fullname == writer.fullname or writer.fullname in alias_fullnames(branch):
        return 0
    return 1 if _short(branch.fullname) == _short(writer.fullname) else None


def select_branch(reader: UnionSchema, writer: Schema) -> Schema | None:
    """The reader union's branch a decoder resolves `writer` against (None: no branch fits):
    the same type and full name (directly or as an alias), then the same unqualified name,
    then a promotion; the first in union order within each step (as Java's decoder does)."""
    best: tuple[int, Schema] | None = None
    for branch in reader.schemas:
        rank = _branch_rank(branch, writer)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, branch)
    return None if best is None else best[1]


def _prefix(segment: str, issues: list[_Issue]) -> list[_Issue]:
    return [replace(i, path=(segment, *i.path)) for i in issues]


class _Resolver:
    def __init__(self, sides: Sides) -> None:
        self.r, self.w = sides.reader, sides.writer
        self.new = sides.new
        self._done: dict[tuple[int, int], list[_Issue]] = {}
        self._busy: set[tuple[int, int]] = set()

    def _fix(self, if_new_reader: str, if_new_writer: str) -> str:
        return if_new_writer if self.new == "writer" else if_new_reader

    def resolve(self, reader: Schema, writer: Schema) -> list[_Issue]:
        if isinstance(writer, UnionSchema):
            return self._writer_union(reader, writer)
        if isinstance(reader, UnionSchema):
            branch = select_branch(reader, writer)
            if branch is None:
                return [self._missing_branch(reader, writer)]
            return self.resolve(branch, writer)
        if kind(reader) != kind(writer):
            return [] if _promotable(writer, reader) else [self._type_mismatch(reader, writer)]
        if isinstance(reader, RecordSchema) and isinstance(writer, RecordSchema):
            return self._record_pair(reader, writer)
        if isinstance(reader, ArraySchema) and isinstance(writer, ArraySchema):
            return _prefix("[]", self.resolve(reader.items, writer.items))
        if isinstance(reader, MapSchema) and isinstance(writer, MapSchema):
            return _prefix("{}", self.resolve(reader.values, writer.values))
        if (
            isinstance(reader, NamedSchema)
            and isinstance(writer, NamedSchema)
            and not names_match(reader, writer)
        ):
            return [self._name_mismatch(reader, writer)]
        if isinstance(reader, EnumSchema) and isinstance(writer, EnumSchema):
            return self._enum(reader, writer)
        issues = []
        if (
            isinstance(reader, FixedSchema)
            and isinstance(writer, FixedSchema)
            and reader.size != writer.size
        ):
            issues.append(
                _Issue(
                    (),
                    "fixed-size-mismatch",
                    f"{self.w} has {describe(writer)} of {writer.size} bytes, "
                    f"{self.r} expects {reader.size} bytes",
                    "keep the size; a different size needs a new fixed type in a new field",
                )
            )
        r_dec, w_dec = _decimal(reader), _decimal(writer)
        if r_dec is not None and w_dec is not None and r_dec != w_dec:
            issues.append(
                _Issue(
                    (),
                    "decimal-mismatch",
                    f"{self.w} writes decimal(precision {w_dec[0]}, scale {w_dec[1]}) where "
                    f"{self.r} expects decimal(precision {r_dec[0]}, scale {r_dec[1]}); Avro "
                    "matches decimals only when precision and scale are equal",
                    "keep precision and scale; a different decimal needs a new field",
                )
            )
        return issues

    def _record_pair(self, reader: RecordSchema, writer: RecordSchema) -> list[_Issue]:
        key = (id(reader), id(writer))
        if key in self._done:
            return list(self._done[key])
        if key in self._busy:
            return []  # recursion: assumed compatible while the outer check runs
        self._busy.add(key)
        try:
            issues = self._record(reader, writer)
        finally:
            self._busy.discard(key)
        self._done[key] = issues
        return issues

    def _record(self, reader: RecordSchema, writer: RecordSchema) -> list[_Issue]:
        if not names_match(reader, writer):
            return [self._name_mismatch(reader, writer)]
        by_name = {f.name: f for f in writer.fields}
        issues: list[_Issue] = []
        for field in reader.fields:
            names = [field.name, *(field.props.get("aliases") or [])]
            found = next((by_name[n] for n in names if n in by_name), None)
            if found is not None:
                issues += _prefix(field.name, self.resolve(field.type, found.type))
            elif not field.has_default:
                issues.append(
                    _Issue(
                        (field.name,),
                        "reader-field-missing-default",
                        f"{self.r} has this field ({describe(field.type)}) without a default "
                        f"and {self.w} does not have it",
                        self._fix(
                            "add a default to the field (for an optional field: type "
                            '["null", ...] with "default": null), or, if it was renamed, '
                            'list the old name in its "aliases"',
                            "keep the field in the new schema (it may become optional, but "
                            f"{self.r} has no default for it)",
                        ),
                    )
                )
        return issues

    def _enum(self, reader: EnumSchema, writer: EnumSchema) -> list[_Issue]:
        known = set(reader.symbols)
        missing = [s for s in writer.symbols if s not in known]
        if not missing or reader.props.get("default") is not None:
            return []
        listed = ", ".join(missing)
        return [
            _Issue(
                (),
                "enum-symbol-missing",
                f"{self.w} can write symbol(s) {listed} of {describe(writer)} that {self.r} "
                "does not know, and the reader's enum has no default symbol",
                self._fix(
                    f'keep the symbol(s) {listed}, or give the enum a "default" symbol',
                    f'do not add symbol(s) {listed} until readers\' enum has a "default" symbol',
                ),
            )
        ]

    def _writer_union(self, reader: Schema, writer: UnionSchema) -> list[_Issue]:
        issues: list[_Issue] = []
        for branch in writer.schemas:
            if isinstance(reader, UnionSchema):
                chosen = select_branch(reader, branch)
                if chosen is None:
                    issues.append(self._missing_branch(reader, branch))
                else:
                    issues += self.resolve(chosen, branch)
            elif kind(reader) == kind(branch) or _promotable(branch, reader):
                issues += self.resolve(reader, branch)
            else:
                issues.append(
                    _Issue(
                        (),
                        "union-branch-unreadable",
                        f"{self.w} has {describe(writer)} here, whose branch {describe(branch)} "
                        f"{self.r} cannot read: it accepts only {describe(reader)}",
                        self._fix(
                            f"make the type a union that includes {describe(branch)}",
                            f"do not widen {describe(reader)} to a union; keep the type",
                        ),
                    )
                )
        return issues

    def _missing_branch(self, reader: UnionSchema, writer: Schema) -> _Issue:
        return _Issue(
            (),
            "missing-union-branch",
            f"{self.w} can write {describe(writer)} here, but {self.r} has "
            f"{describe(reader)} with no branch for it",
            self._fix(
                f"add {describe(writer)} (or a type it promotes to) to the union",
                f"do not write {describe(writer)} here; keep to the branches of the union",
            ),
        )

    def _type_mismatch(self, reader: Schema, writer: Schema) -> _Issue:
        return _Issue(
            (),
            "type-mismatch",
            f"{self.w} writes {describe(writer)} where {self.r} expects {describe(reader)} "
            "(allowed changes: int to long, float or double; long to float or double; float "
            "to double; string to bytes and back)",
            "keep the type; for another type add a new field (with a default) instead",
        )

    def _name_mismatch(self, reader: NamedSchema, writer: NamedSchema) -> _Issue:
        return _Issue(
            (),
            "name-mismatch",
            f"{self.w} names the {kind(writer)} '{writer.fullname}' and {self.r} names it "
            f"'{reader.fullname}', which is not that name nor has it as an alias",
            self._fix(
                f'keep the name, or add "aliases": ["{writer.fullname}"] to the renamed type',
                f"keep the name '{reader.fullname}' (readers only know that name)",
            ),
        )
