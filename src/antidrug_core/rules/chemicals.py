"""The precursor chemical catalogue (易制毒化学品的分类和品种目录) as data.

The 2005 annex of 易制毒化学品管理条例 (国务院令第445号) and every later
addition are entries with the date they came into force and the document
that added them, so the next amendment is a data change: a host adds an
entry through the ``antidrug_register_rules`` hook (``registry.chemicals.add``,
or ``chemical_from_data`` for an entry written as plain data).

An entry's id is its CAS number where it has one, else an id the catalogue
gives it (``ephedrines`` for 麻黄素类). Input may name a chemical by its id,
its Chinese name or one of its other Chinese names; output always uses the id.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from antidrug_core.model import InvalidInput
from antidrug_core.model.chemicals import ChemicalId

__all__ = [
    "ANNEX_2005",
    "NATIONAL_CATALOGUE",
    "Category",
    "ChemicalCatalogue",
    "ChemicalEntry",
    "chemical_from_data",
]


class Category(enum.IntEnum):
    """The three categories of the annex: what a unit needs to buy, sell, make or move them."""

    ONE = 1
    """第一类: the main raw materials for making drugs; licences and purchase permits."""
    TWO = 2
    """第二类: the main chemical reagents; filings (purchase permit or filing to buy)."""
    THREE = 3
    """第三类: common reagents; filings."""


def _category(value: Any) -> Category:
    try:
        return Category(int(value)) if not isinstance(value, bool) else Category(value)
    except (TypeError, ValueError):
        raise InvalidInput.of("category", f"{value!r} is not a category (1, 2 or 3)") from None


def _text(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput.of(attribute.name, "must not be empty")


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise InvalidInput.of("aliases", "must be a list of names")
    return tuple(value)


@attrs.frozen(kw_only=True)
class ChemicalEntry:
    """One entry of the catalogue."""

    id: ChemicalId = attrs.field(validator=_text)
    """The catalogue id: the CAS number where there is one, else an id the catalogue gives."""
    name: str = attrs.field(validator=_text)
    """The Chinese name, as in the catalogue (硫酸)."""
    english: str = attrs.field(validator=_text)
    """The English name (sulfuric acid)."""
    category: Category = attrs.field(converter=_category)
    """1, 2 or 3."""
    pharmaceutical: bool = False
    """药品类: a starred category-1 entry (its raw material and single preparations); the
    others are 非药品类, supervised by emergency management (安监总局令第5号)."""
    salts: bool = False
    """Whether its salts are controlled too (the annex: the salts of categories 1 and 2)."""
    cas: str | None = None
    """The CAS number, when the entry is one substance that has one."""
    in_force: dt.date
    """The day the entry came into force."""
    source: str = attrs.field(validator=_text)
    """The document that put it in the catalogue."""
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_names)
    """Other Chinese names accepted on input (氯仿 for 三氯甲烷)."""

    def controlled_on(self, day: dt.date) -> bool:
        """Whether the entry is in force on ``day``."""
        return self.in_force <= day


class ChemicalCatalogue:
    """The entries in force for one store: look-up by id or Chinese name."""

    def __init__(self, entries: Iterable[ChemicalEntry]) -> None:
        self._by_id: dict[ChemicalId, ChemicalEntry] = {}
        self._by_name: dict[str, ChemicalEntry] = {}
        for entry in entries:
            if entry.id in self._by_id:
                raise InvalidInput.of("chemical", f"{entry.id!r} is in the catalogue twice")
            self._by_id[entry.id] = entry
        for entry in self._by_id.values():
            for name in (entry.name, *entry.aliases):
                known = self._by_name.get(name)
                if known is not None and known.id != entry.id:
                    raise InvalidInput.of("chemical", f"{name!r} names both {known.id} and {entry.id}")
                self._by_name[name] = entry

    def __contains__(self, chemical: object) -> bool:
        return chemical in self._by_id

    def __iter__(self) -> Iterator[ChemicalEntry]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChemicalCatalogue) and self._by_id == other._by_id

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._by_id)))

    def __repr__(self) -> str:
        return f"ChemicalCatalogue({len(self)} entries)"

    def get(self, chemical: ChemicalId) -> ChemicalEntry:
        """The entry with this id.

        Raises:
            InvalidInput: naming the field ``chemical``, for an id not in the catalogue.
        """
        try:
            return self._by_id[chemical]
        except KeyError:
            raise InvalidInput.of("chemical", f"{chemical!r} is not in the chemical catalogue") from None

    def resolve(self, name: str, field: str = "chemical") -> ChemicalId:
        """The id of the chemical named by its id, its Chinese name or another Chinese name.

        Raises:
            InvalidInput: naming ``field``, for a name the catalogue does not know.
        """
        if not isinstance(name, str):
            raise InvalidInput.of(field, f"{name!r} is not a chemical id or name")
        text = name.strip()
        if text in self._by_id:
            return text
        entry = self._by_name.get(text)
        if entry is None:
            raise InvalidInput.of(
                field, f"{name!r} is not in the chemical catalogue (give its id or Chinese name)"
            )
        return entry.id

    def by_id(self) -> Mapping[ChemicalId, ChemicalEntry]:
        """Every entry by id."""
        return dict(self._by_id)


def chemical_from_data(data: Mapping[str, Any]) -> ChemicalEntry:
    """An entry from plain data (``in_force`` as ``YYYY-MM-DD``), checked field by field.

    Raises:
        InvalidInput: naming every field at fault.
    """
    from antidrug_core.converter import structure  # the converter reads records; entries are rules

    return structure(dict(data), ChemicalEntry)


ANNEX_2005_SOURCE = "易制毒化学品管理条例（国务院令第445号）附表《易制毒化学品的分类和品种目录》"
_ANNEX = dt.date(2005, 11, 1)

_2008 = ("2008-08-01", "公安部等六部门公告（2008年，经国务院同意将羟亚胺列入第一类易制毒化学品）")
_2012 = (
    "2012-09-15",
    "国务院办公厅关于同意将邻氯苯基环戊酮列入易制毒化学品品种目录的函（国办函〔2012〕162号）",
)
_2014 = (
    "2014-05-21",
    "国务院办公厅关于同意将1-苯基-2-溴-1-丙酮和3-氧-2-苯基丁腈列入易制毒化学品品种目录的函（国办函〔2014〕40号）",
)
_2017 = (
    "2018-02-01",
    "国务院办公厅关于同意将N-苯乙基-4-哌啶酮、4-苯胺基-N-苯乙基哌啶、N-甲基-1-苯基-1-氯-2-丙胺、"
    "溴素、1-苯基-1-丙酮列入易制毒化学品品种目录的函（国办函〔2017〕120号）",
)
_2021 = (
    "2021-07-20",
    "国务院办公厅关于同意将α-苯乙酰乙酸甲酯等6种物质列入易制毒化学品品种目录的函（国办函〔2021〕58号）",
)

# (id, Chinese name, English name, category, pharmaceutical, CAS, aliases); the 2005 annex in its order.
_ANNEX_ROWS: tuple[tuple[str, str, str, int, bool, str | None, tuple[str, ...]], ...] = (
    ("103-79-7", "1-苯基-2-丙酮", "1-phenyl-2-propanone", 1, False, "103-79-7", ()),
    (
        "4676-39-5",
        "3,4-亚甲基二氧苯基-2-丙酮",
        "3,4-methylenedioxyphenyl-2-propanone",
        1,
        False,
        "4676-39-5",
        (),
    ),
    ("120-57-0", "胡椒醛", "piperonal", 1, False, "120-57-0", ()),
    ("94-59-7", "黄樟素", "safrole", 1, False, "94-59-7", ()),
    ("8006-80-2", "黄樟油", "sassafras oil", 1, False, "8006-80-2", ()),
    ("120-58-1", "异黄樟素", "isosafrole", 1, False, "120-58-1", ()),
    ("89-52-1", "N-乙酰邻氨基苯酸", "N-acetylanthranilic acid", 1, False, "89-52-1", ()),
    ("118-92-3", "邻氨基苯甲酸", "anthranilic acid", 1, False, "118-92-3", ()),
    ("82-58-6", "麦角酸", "lysergic acid", 1, True, "82-58-6", ()),
    ("113-15-5", "麦角胺", "ergotamine", 1, True, "113-15-5", ()),
    ("60-79-7", "麦角新碱", "ergometrine", 1, True, "60-79-7", ()),
    ("ephedrines", "麻黄素类", "ephedrine-type substances", 1, True, None, ("麻黄素类物质",)),
    ("103-82-2", "苯乙酸", "phenylacetic acid", 2, False, "103-82-2", ()),
    ("108-24-7", "醋酸酐", "acetic anhydride", 2, False, "108-24-7", ("乙酸酐",)),
    ("67-66-3", "三氯甲烷", "chloroform", 2, False, "67-66-3", ("氯仿",)),
    ("60-29-7", "乙醚", "diethyl ether", 2, False, "60-29-7", ()),
    ("110-89-4", "哌啶", "piperidine", 2, False, "110-89-4", ()),
    ("108-88-3", "甲苯", "toluene", 3, False, "108-88-3", ()),
    ("67-64-1", "丙酮", "acetone", 3, False, "67-64-1", ()),
    ("78-93-3", "甲基乙基酮", "methyl ethyl ketone", 3, False, "78-93-3", ("丁酮",)),
    ("7722-64-7", "高锰酸钾", "potassium permanganate", 3, False, "7722-64-7", ()),
    ("7664-93-9", "硫酸", "sulfuric acid", 3, False, "7664-93-9", ()),
    ("7647-01-0", "盐酸", "hydrochloric acid", 3, False, "7647-01-0", ()),
)

# (id, Chinese name, English name, category, CAS, (in force, source)); the later additions.
_ADDED_ROWS: tuple[tuple[str, str, str, int, str | None, tuple[str, str]], ...] = (
    ("90717-16-1", "羟亚胺", "hydroxylimine", 1, "90717-16-1", _2008),
    ("6740-85-8", "邻氯苯基环戊酮", "2-chlorophenyl cyclopentyl ketone", 1, "6740-85-8", _2012),
    ("2114-00-3", "1-苯基-2-溴-1-丙酮", "2-bromo-1-phenyl-1-propanone", 1, "2114-00-3", _2014),
    ("4468-48-8", "3-氧-2-苯基丁腈", "alpha-phenylacetoacetonitrile (APAAN)", 1, "4468-48-8", _2014),
    ("39742-60-4", "N-苯乙基-4-哌啶酮", "N-phenethyl-4-piperidone (NPP)", 1, "39742-60-4", _2017),
    (
        "21409-26-7",
        "4-苯胺基-N-苯乙基哌啶",
        "4-anilino-N-phenethylpiperidine (4-ANPP)",
        1,
        "21409-26-7",
        _2017,
    ),
    (
        "25394-33-6",
        "N-甲基-1-苯基-1-氯-2-丙胺",
        "N-methyl-1-phenyl-1-chloro-2-propylamine",
        1,
        "25394-33-6",
        _2017,
    ),
    ("93-55-0", "1-苯基-1-丙酮", "propiophenone", 2, "93-55-0", _2017),
    ("7726-95-6", "溴素", "bromine", 2, "7726-95-6", _2017),
    ("16648-44-5", "α-苯乙酰乙酸甲酯", "methyl alpha-phenylacetoacetate (MAPA)", 2, "16648-44-5", _2021),
    ("4433-77-6", "α-乙酰乙酰苯胺", "alpha-phenylacetoacetamide (APAA)", 2, "4433-77-6", _2021),
    ("pmk-glycidic-acid", "3,4-亚甲基二氧苯基-2-丙酮缩水甘油酸", "PMK glycidic acid", 2, None, _2021),
    ("pmk-glycidate", "3,4-亚甲基二氧苯基-2-丙酮缩水甘油酯", "PMK glycidate (its esters)", 2, None, _2021),
    ("140-29-4", "苯乙腈", "benzyl cyanide (phenylacetonitrile)", 3, "140-29-4", _2021),
    ("96-48-0", "γ-丁内酯", "gamma-butyrolactone (GBL)", 3, "96-48-0", _2021),
)

ANNEX_2005: tuple[ChemicalEntry, ...] = tuple(
    ChemicalEntry(
        id=row[0],
        name=row[1],
        english=row[2],
        category=row[3],
        pharmaceutical=row[4],
        salts=row[3] in (1, 2),
        cas=row[5],
        in_force=_ANNEX,
        source=ANNEX_2005_SOURCE,
        aliases=row[6],
    )
    for row in _ANNEX_ROWS
)
"""The 23 entries of the 2005 annex; the starred category-1 entries are pharmaceutical."""

ADDITIONS: tuple[ChemicalEntry, ...] = tuple(
    ChemicalEntry(
        id=row[0],
        name=row[1],
        english=row[2],
        category=row[3],
        salts=row[3] in (1, 2),
        cas=row[4],
        in_force=dt.date.fromisoformat(row[5][0]),
        source=row[5][1],
    )
    for row in _ADDED_ROWS
)
"""The entries added since 2005, each with the day it came into force and the document."""

NATIONAL_CATALOGUE = ChemicalCatalogue((*ANNEX_2005, *ADDITIONS))
"""The national catalogue: the 2005 annex and every later addition."""
