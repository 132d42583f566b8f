"""Workbooks in and out: the dataset format as sheets a clerk can fill in.

People who keep their figures in spreadsheets exported from other systems
fill one sheet per kind of record (见面核查, 尿检 …) under Chinese headers,
with Chinese words for the choices (上门走访, 阴性 …). This module turns such
a workbook into an ``antidrug-dataset/1`` document and back. Validation is
the dataset reader's, done once; its problems are translated back to the
sheet, row and column a person must fix (``见面核查!7 核查方式: …``).

A workbook here is plain data — sheet name → rows of cell values, the
first row being the headers — so reading ``.xlsx`` files is a plugin's job
(``antidrug_read_workbook``) and CSV files the command line's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import attrs

from antidrug_core.clock import DEFAULT_TIME_ZONE, zone
from antidrug_core.identity import Identity, resident_id_problem
from antidrug_core.interchange.dataset import DATASET_FORMAT, Dataset, read_dataset
from antidrug_core.model import (
    CareMeasure,
    FaceCheckMethod,
    FollowUpMethod,
    IncidentKind,
    InspectionItem,
    InvalidInput,
    ItemResult,
    LicenceKind,
    Measure,
    Movement,
    OrganisationKind,
    PersonId,
    Problem,
    RiskLevel,
    SeriousBreachKind,
    Status,
    SubjectKind,
    TestKind,
    TestResult,
    UnitRole,
)
from antidrug_core.model.prevention import LetterKind, MeetingKind, PlantSpecies
from antidrug_core.rules.levels import COLOUR_SCHEME, LETTER_SCHEME, read_level
from antidrug_core.rules.policy import Responsibility
from antidrug_core.rules.prevention import DEFAULT_CHANNELS, DEFAULT_KEY_DATES, EXAMPLE_STAR_SCHEME

__all__ = [
    "IDENTITY_HEADERS",
    "SHEETS",
    "Cell",
    "Column",
    "SheetSpec",
    "Workbook",
    "dataset_to_workbook",
    "read_workbook",
    "read_workbook_with_identities",
    "workbook_template",
]

Cell: TypeAlias = str | int | float | dt.date | dt.datetime | None
"""What a spreadsheet cell can hold once read."""
Workbook: TypeAlias = Mapping[str, Sequence[Sequence[Cell]]]
"""Sheet name → rows, the first row holding the headers."""


@attrs.frozen
class Column:
    """One column of a sheet: its Chinese header and the dataset field behind it."""

    header: str
    field: str
    kind: str = "text"
    """``text``, ``date`` (YYYY-MM-DD), ``timestamp`` (with offset), ``code`` (ids and division codes),
    ``list`` (several choices in one cell, separated by 、 or a comma), ``names`` (several free
    names in one cell, the same way), ``int`` (a whole number), ``decimal`` (an exact number:
    亩, 元, a quantity), ``bool`` (是/否), ``scores`` (``组织领导24、工作机制20.5``), or one of the
    structured kinds written as text in one cell: ``factors`` (``因素=答案；…``), ``lines`` (one
    entry per line) and ``mark`` (``方案:等级``, e.g. ``letters:C2``)."""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    """The Chinese word for each allowed value, e.g. 上门走访 → ``home_visit``."""
    required: bool = False


@attrs.frozen
class SheetSpec:
    """One sheet: a kind of record (``type``), or the people, divisions or settings.

    A sheet of several kinds of record (义工: joined and left) has no ``type``
    but ``variants``: its 事项 column names each row's kind in Chinese.
    """

    name: str
    type: str | None
    columns: tuple[Column, ...]
    variants: Mapping[str, str] = attrs.field(factory=dict)
    """事项 label → record type, for a sheet of several kinds of record."""

    @property
    def types(self) -> tuple[str, ...]:
        """The record types its rows hold."""
        return (self.type,) if self.type is not None else tuple(self.variants.values())

    def column(self, header: str) -> Column | None:
        """The column under ``header`` (its Chinese header or its dataset field name)."""
        return next((c for c in self.columns if header in (c.header, c.field)), None)


def _labels(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    return {label: str(value) for label, value in pairs}


STATUS_LABELS = _labels(
    [
        ("一般在册", Status.REGISTERED),
        ("社区戒毒", Status.COMMUNITY_DETOX),
        ("社区康复", Status.COMMUNITY_REHAB),
        ("药物维持治疗", Status.MAINTENANCE_TREATMENT),
        ("强制隔离戒毒", Status.COMPULSORY_ISOLATION),
        ("戒断三年未复吸", Status.ABSTINENT_3Y),
        ("羁押服刑", Status.IN_CUSTODY),
        ("死亡", Status.DECEASED),
        ("出境", Status.ABROAD),
    ]
)
FACE_CHECK_LABELS = _labels(
    [
        ("上门走访", FaceCheckMethod.HOME_VISIT),
        ("视频通话", FaceCheckMethod.VIDEO_CALL),
        ("来所核查", FaceCheckMethod.OFFICE_VISIT),
    ]
)
FOLLOW_UP_LABELS = _labels(
    [("当面", FollowUpMethod.IN_PERSON), ("电话", FollowUpMethod.PHONE), ("视频", FollowUpMethod.VIDEO)]
)
LEVEL_LABELS = _labels([("高", RiskLevel.HIGH), ("中", RiskLevel.MEDIUM), ("低", RiskLevel.LOW)])
CARE_LABELS = _labels(
    [
        ("职业指导", CareMeasure.EMPLOYMENT_GUIDANCE),
        ("心理疏导", CareMeasure.COUNSELLING),
        ("医疗保险", CareMeasure.MEDICAL_INSURANCE),
        ("失业保险", CareMeasure.UNEMPLOYMENT_INSURANCE),
        ("低保", CareMeasure.SUBSISTENCE_ALLOWANCE),
        ("技能培训", CareMeasure.SKILLS_TRAINING),
        ("未成年子女关爱", CareMeasure.MINOR_ASSISTANCE),
        ("其他", CareMeasure.OTHER),
    ]
)
KIND_LABELS = _labels([("尿检", TestKind.URINE), ("毛发检测", TestKind.HAIR)])
RESULT_LABELS = _labels(
    [("阴性", TestResult.NEGATIVE), ("阳性", TestResult.POSITIVE), ("无效", TestResult.INVALID)]
)
BREACH_LABELS = _labels(
    [
        ("拒绝检测三次以上", SeriousBreachKind.REFUSED_TESTS),
        ("擅自离开三次以上", SeriousBreachKind.LEFT_WITHOUT_PERMISSION),
        ("离开累计三十日以上", SeriousBreachKind.AWAY_30_DAYS),
    ]
)
ROLE_LABELS = _labels(
    [
        ("生产", UnitRole.PRODUCTION),
        ("经营", UnitRole.TRADE),
        ("使用", UnitRole.USE),
        ("储存", UnitRole.STORAGE),
        ("运输", UnitRole.TRANSPORT),
    ]
)
ORGANISATION_KIND_LABELS = _labels(
    [
        ("乡镇（街道）", OrganisationKind.GOVERNMENT),
        ("部门", OrganisationKind.DEPARTMENT),
        ("村（社区）", OrganisationKind.VILLAGE),
        ("社区戒毒康复工作中心", OrganisationKind.REHAB_CENTRE),
        ("其他", OrganisationKind.OTHER),
    ]
)
LICENCE_LABELS = _labels(
    [
        ("生产许可证", LicenceKind.PRODUCTION_LICENCE),
        ("经营许可证", LicenceKind.TRADE_LICENCE),
        ("生产备案证明", LicenceKind.PRODUCTION_FILING),
        ("经营备案证明", LicenceKind.TRADE_FILING),
        ("购买许可证", LicenceKind.PURCHASE_PERMIT),
        ("购买备案证明", LicenceKind.PURCHASE_FILING),
        ("运输许可证", LicenceKind.TRANSPORT_PERMIT),
        ("运输备案证明", LicenceKind.TRANSPORT_FILING),
    ]
)
MOVEMENT_LABELS = _labels(
    [
        ("期初结存", Movement.OPENING),
        ("购进入库", Movement.RECEIVED),
        ("生产入库", Movement.PRODUCED),
        ("销售出库", Movement.ISSUED),
        ("领用", Movement.USED),
        ("丢失", Movement.LOST),
        ("销毁", Movement.DESTROYED),
        ("期初", Movement.OPENING),
        ("购进", Movement.RECEIVED),
        ("入库", Movement.RECEIVED),
        ("生产", Movement.PRODUCED),
        ("销售", Movement.ISSUED),
        ("出库", Movement.ISSUED),
        ("使用", Movement.USED),
        ("被盗", Movement.LOST),
    ]
)
"""A keeper's words for a movement; the first for each is what a written workbook uses."""
MEASURE_LABELS = _labels(
    [
        ("千克", Measure.KG),
        ("克", Measure.G),
        ("吨", Measure.T),
        ("升", Measure.L),
        ("毫升", Measure.ML),
        ("公斤", Measure.KG),
        ("KG", Measure.KG),
        ("ml", Measure.ML),
        ("l", Measure.L),
    ]
)
ITEM_RESULT_LABELS = _labels(
    [("合格", ItemResult.PASS), ("不合格", ItemResult.FAIL), ("不适用", ItemResult.NOT_APPLICABLE)]
)
INSPECTION_ITEM_LABELS = _labels(
    [
        ("库房", InspectionItem.STOREHOUSE),
        ("台账", InspectionItem.LEDGER),
        ("制度", InspectionItem.RULES),
        ("实验室", InspectionItem.LABORATORY),
        ("储存", InspectionItem.STORAGE),
        ("人员", InspectionItem.PEOPLE),
    ]
)
INCIDENT_LABELS = _labels(
    [
        ("丢失", IncidentKind.LOST),
        ("被盗", IncidentKind.STOLEN),
        ("被抢", IncidentKind.ROBBED),
        ("流入非法渠道", IncidentKind.DIVERTED),
    ]
)
RESPONSIBILITY_LABELS = _labels(
    [("户籍地为主", Responsibility.HOUSEHOLD_FIRST), ("居住地为主", Responsibility.RESIDENCE_FIRST)]
)

SUBJECT_HEADERS: Mapping[SubjectKind, str] = {
    SubjectKind.PERSON: "人员编号",
    SubjectKind.UNIT: "单位编号",
    SubjectKind.ORGANISATION: "组织编号",
}
"""The column naming a record's subject, by the kind of subject its sheet's records are about."""


def _record_columns(subject: SubjectKind, required: bool = True) -> tuple[Column, ...]:
    return (
        Column("记录编号", "id", "code"),
        Column(SUBJECT_HEADERS[subject], subject.value, "code", required=required),
        Column("日期", "on", "date", required=True),
        Column("录入时间", "recorded_at", "timestamp"),
        Column("录入人", "recorded_by"),
        Column("作废记录编号", "voids", "code"),
    )


def _record_sheet(
    name: str, type: str, *content: Column, subject: SubjectKind = SubjectKind.PERSON
) -> SheetSpec:
    return SheetSpec(name, type, (*_record_columns(subject), *content))


SETTINGS_SHEET = "设置"
PEOPLE_SHEET = "人员"
UNITS_SHEET = "单位"
ORGANISATIONS_SHEET = "组织"
DIVISIONS_SHEET = "区划"
_LIST_SHEETS = {
    DIVISIONS_SHEET: "divisions",
    PEOPLE_SHEET: "people",
    UNITS_SHEET: "units",
    ORGANISATIONS_SHEET: "organisations",
}
"""The sheets that fill a list of the dataset other than ``records``."""

_UNIT_COLUMNS = (
    Column("名称", "name"),
    Column("统一社会信用代码", "uscc", "code"),
    Column("所在区划", "division", "code"),
    Column("涉及环节", "roles", "list", labels=ROLE_LABELS),
)
_QUANTITY_COLUMNS = (
    Column("数量", "quantity", "decimal", required=True),
    Column("计量单位", "measure", labels=MEASURE_LABELS, required=True),
)
_CHEMICAL_COLUMN = Column("化学品", "chemical", required=True)
"""A chemical by its catalogue id (CAS number) or its Chinese name (硫酸)."""
_ORGANISATION_COLUMNS = (
    Column("名称", "name"),
    Column("类别", "kind", labels=ORGANISATION_KIND_LABELS),
    Column("所在区划", "division", "code"),
)

CHANNEL_LABELS = {channel.name: channel.id for channel in DEFAULT_CHANNELS}
KEY_DATE_LABELS = {key_date.name: key_date.id for key_date in DEFAULT_KEY_DATES}
SPECIES_LABELS = _labels(
    [("罂粟", PlantSpecies.POPPY), ("大麻", PlantSpecies.CANNABIS), ("其他", PlantSpecies.OTHER)]
)
WORK_KIND_LABELS = _labels(
    [
        ("目标责任书", LetterKind.RESPONSIBILITY),
        ("禁毒承诺书", LetterKind.COMMITMENT),
        ("全体会议", MeetingKind.PLENARY),
        ("学习会", MeetingKind.STUDY),
        ("部署会", MeetingKind.DEPLOYMENT),
        ("其他会议", MeetingKind.OTHER),
    ]
)
"""类别 on the 组织建设 sheet: which letters, or which meeting."""
VOLUNTEER_VARIANTS = {"加入": "volunteer_joined", "退出": "volunteer_left"}
SURVEY_VARIANTS = {"踏查": "survey_conducted", "发现种植": "plants_found", "铲除": "plants_destroyed"}
ORGANISATION_WORK_VARIANTS = {
    "领导小组": "leading_group_set",
    "签订": "letters_signed",
    "经费": "funding_allocated",
    "会议": "meeting_held",
    "培训": "training_held",
}
_ITEM_NAMES = {item.id: item.name for item in EXAMPLE_STAR_SCHEME.items}
"""The example scheme's items by their Chinese names, so 组织领导24 reads as ``organisation: 24``."""


def _variant_sheet(name: str, variants: Mapping[str, str], *content: Column) -> SheetSpec:
    columns = (
        *_record_columns(SubjectKind.ORGANISATION),
        Column("事项", "type", labels=variants, required=True),
        *content,
    )
    return SheetSpec(name, None, columns, variants)


PREVENTION_SHEETS: tuple[SheetSpec, ...] = (
    _record_sheet(
        "活动",
        "activity_held",
        Column("主题", "theme", required=True),
        Column("渠道", "channels", "list", labels=CHANNEL_LABELS, required=True),
        Column("重要节点", "key_date", labels=KEY_DATE_LABELS),
        Column("活动区划", "division", "code"),
        Column("场次", "sessions", "int"),
        Column("覆盖人次", "reach", "int"),
        Column("宣传品（份）", "materials", "int"),
        Column("标语（幅）", "banners", "int"),
        Column("挂画（张次）", "posters", "int"),
        Column("宣传车（台次）", "vehicles", "int"),
        Column("义工（人次）", "volunteers", "int"),
        subject=SubjectKind.ORGANISATION,
    ),
    _variant_sheet("义工", VOLUNTEER_VARIANTS, Column("义工编号", "volunteer", "code", required=True)),
    _variant_sheet(
        "踏查",
        SURVEY_VARIANTS,
        Column("区划", "division", "code"),
        Column("面积（亩）", "area_mu", "decimal"),
        Column("出动人次", "personnel", "int"),
        Column("天数", "days", "int"),
        Column("地点", "place"),
        Column("品种", "species", labels=SPECIES_LABELS),
        Column("株数", "plants", "int"),
        Column("发现记录编号", "found", "code"),
    ),
    _variant_sheet(
        "组织建设",
        ORGANISATION_WORK_VARIANTS,
        Column("组长", "leader"),
        Column("副组长", "deputies", "texts"),
        Column("成员人数", "members", "int"),
        Column("下设办公室", "office", "bool"),
        Column("类别", "kind", labels=WORK_KIND_LABELS),
        Column("份数", "count", "int"),
        Column("签订对象", "with", "texts"),
        Column("金额（元）", "amount", "decimal"),
        Column("用途", "purpose"),
        Column("培训主题", "topic"),
        Column("参加人次", "participants", "int"),
    ),
    _record_sheet(
        "评定",
        "rating_assessed",
        Column("评定细则", "scheme", required=True),
        Column("各项得分", "scores", "scores", required=True),
        subject=SubjectKind.ORGANISATION,
    ),
)
"""The sheets of an organisation's work log (docs/prevention.md): 活动, 义工, 踏查, 组织建设, 评定."""


def _whole(cell: Cell) -> tuple[Any, str | None]:
    if isinstance(cell, float) and cell.is_integer():
        return int(cell), None
    if isinstance(cell, int) and not isinstance(cell, bool):
        return cell, None
    text = str(cell).strip()
    return (int(text), None) if re.fullmatch(r"-?\d+", text) else (None, "is not a whole number")


def _yes_no(cell: Cell) -> tuple[Any, str | None]:
    text = str(cell).strip().lower()
    if text in ("是", "有", "true", "1", "yes"):
        return True, None
    if text in ("否", "无", "false", "0", "no"):
        return False, None
    return None, "is not 是 or 否"


def _texts(cell: Cell) -> tuple[Any, str | None]:
    return [w.strip() for w in re.split(r"[、,，;；]", str(cell)) if w.strip()], None


_SCORE = re.compile(r"(.+?)\s*[:：=]?\s*(\d+(?:\.\d+)?)")


def _item_scores(cell: Cell) -> tuple[Any, str | None]:
    by_name = {name: item for item, name in _ITEM_NAMES.items()}
    scores: dict[str, int | str] = {}
    for pair in (w.strip() for w in re.split(r"[、,，;；]", str(cell)) if w.strip()):
        match = _SCORE.fullmatch(pair)
        if match is None:
            return None, "is not a list of item and score (组织领导24、工作机制20.5)"
        item, number = by_name.get(match.group(1), match.group(1)), match.group(2)
        scores[item] = int(number) if "." not in number else number
    return scores, None


_PARSERS = {"int": _whole, "bool": _yes_no, "texts": _texts, "scores": _item_scores}
"""The work-log kinds: each reads one cell into the dataset's form, or says why it cannot
(``decimal`` is read by ``_decimal_text``, exact quantities and amounts alike)."""


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        SETTINGS_SHEET,
        None,
        (
            Column("责任地规则", "responsible", labels=RESPONSIBILITY_LABELS),
            Column("检测窗口天数", "test_window_days"),
            Column("时区", "time_zone"),
        ),
    ),
    SheetSpec(
        DIVISIONS_SHEET,
        None,
        (
            Column("区划代码", "code", "code", required=True),
            Column("名称", "name", required=True),
            Column("上级区划代码", "parent", "code"),
        ),
    ),
    SheetSpec(
        PEOPLE_SHEET,
        None,
        (
            Column("人员编号", "id", "code", required=True),
            Column("户籍地", "household", "code", required=True),
            Column("现居住地", "residence", "code"),
            Column("实际活动地", "activity", "code"),
            Column("登记日期", "registered_on", "date"),
            Column("录入时间", "recorded_at", "timestamp"),
            Column("录入人", "recorded_by"),
            Column("姓名", "name", "identity"),
            Column("身份证号", "resident_id", "identity"),
        ),
    ),
    SheetSpec(
        UNITS_SHEET,
        None,
        (
            Column("单位编号", "id", "code", required=True),
            *(attrs.evolve(c, required=c.field != "uscc") for c in _UNIT_COLUMNS),
            Column("纳入监管日期", "since", "date"),
            Column("登记日期", "registered_on", "date"),
        ),
    ),
    SheetSpec(
        ORGANISATIONS_SHEET,
        None,
        (
            Column("组织编号", "id", "code", required=True),
            *(attrs.evolve(c, required=True) for c in _ORGANISATION_COLUMNS),
            Column("登记日期", "registered_on", "date"),
        ),
    ),
    _record_sheet(
        "状态变更", "status_changed", Column("状态", "status", labels=STATUS_LABELS, required=True)
    ),
    _record_sheet("居住地变更", "residence_changed", Column("现居住地", "residence", "code", required=True)),
    _record_sheet("户籍地变更", "household_changed", Column("户籍地", "household", "code", required=True)),
    _record_sheet("实际活动地变更", "activity_changed", Column("实际活动地", "activity", "code")),
    _record_sheet(
        "移交申请",
        "transfer_requested",
        Column("移出区划", "from", "code", required=True),
        Column("接收区划", "to", "code", required=True),
        Column("迁入户籍地", "household", "code"),
        Column("迁入居住地", "residence", "code"),
    ),
    _record_sheet("移交接收", "transfer_accepted", Column("移交申请编号", "request", "code", required=True)),
    _record_sheet(
        "移交拒收",
        "transfer_rejected",
        Column("移交申请编号", "request", "code", required=True),
        Column("原因", "reason"),
    ),
    _record_sheet(
        "见面核查",
        "face_check",
        Column("核查方式", "method", labels=FACE_CHECK_LABELS, required=True),
        Column("情况", "note"),
    ),
    _record_sheet("帮教谈话", "follow_up", Column("方式", "method", labels=FOLLOW_UP_LABELS, required=True)),
    _record_sheet(
        "风险评估",
        "risk_assessed",
        Column("风险等级", "level", labels=LEVEL_LABELS, required=True),
        Column("评估因素", "factors", "factors"),
        Column("规则版本", "rule_set"),
        Column("建议等级", "proposed_level", labels=LEVEL_LABELS),
        Column("确认人", "confirmed_by"),
        Column("调整理由", "reason"),
        Column("建议说明", "explanation", "lines"),
        Column("本地等级", "mark", "mark"),
    ),
    _record_sheet(
        "管控等级",
        "control_level_set",
        Column("管控等级", "level", labels=LEVEL_LABELS, required=True),
        Column("原因", "reason"),
        Column("本地等级", "mark", "mark"),
    ),
    _record_sheet(
        "关爱帮扶",
        "care_provided",
        Column("帮扶措施", "measure", labels=CARE_LABELS, required=True),
        Column("说明", "note"),
    ),
    _record_sheet(
        "应检",
        "test_due",
        Column("检测类型", "kind", labels=KIND_LABELS, required=True),
        Column("执行区划", "division", "code"),
    ),
    _record_sheet(
        "检测",
        "test_done",
        Column("检测类型", "kind", labels=KIND_LABELS, required=True),
        Column("结果", "result", labels=RESULT_LABELS, required=True),
        Column("应检编号", "due", "code"),
    ),
    _record_sheet(
        "免检",
        "test_excused",
        Column("应检编号", "due", "code", required=True),
        Column("原因", "reason", required=True),
    ),
    _record_sheet("脱失", "lost_contact"),
    _record_sheet("找回", "contact_restored"),
    _record_sheet("APP安装", "app_installed"),
    _record_sheet("APP登录", "app_login"),
    _record_sheet("发现持证", "licence_found"),
    _record_sheet("通报交管", "licence_notified"),
    _record_sheet("复吸", "relapse_found"),
    _record_sheet(
        "严重违反协议",
        "serious_breach",
        Column("情形", "kind", labels=BREACH_LABELS, required=True),
    ),
    _record_sheet(
        "封存",
        "file_sealed",
        Column("依据", "basis", required=True),
        Column("原因", "reason", required=True),
    ),
    _record_sheet(
        "解除封存",
        "file_unsealed",
        Column("依据", "basis", required=True),
        Column("原因", "reason", required=True),
    ),
    SheetSpec(
        "作废",
        "voided",
        # 单位编号 and 组织编号 come last, so the person workbooks made before them still line up.
        (
            *_record_columns(SubjectKind.PERSON, required=False),
            Column("原因", "reason"),
            Column(SUBJECT_HEADERS[SubjectKind.UNIT], SubjectKind.UNIT.value, "code"),
            Column(SUBJECT_HEADERS[SubjectKind.ORGANISATION], SubjectKind.ORGANISATION.value, "code"),
        ),
    ),
    _record_sheet(
        "登记更正",
        "person_registered",
        Column("户籍地", "household", "code", required=True),
        Column("现居住地", "residence", "code"),
        Column("实际活动地", "activity", "code"),
    ),
    _record_sheet("单位变更", "unit_changed", *_UNIT_COLUMNS, subject=SubjectKind.UNIT),
    _record_sheet("单位注销", "unit_closed", subject=SubjectKind.UNIT),
    _record_sheet(
        "单位登记更正",
        "unit_registered",
        *(attrs.evolve(c, required=c.field != "uscc") for c in _UNIT_COLUMNS),
        Column("纳入监管日期", "since", "date"),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "许可备案",
        "licence_granted",
        Column("证照类别", "licence", labels=LICENCE_LABELS, required=True),
        Column("证号", "number", required=True),
        Column("品种", "chemicals", "names", required=True),
        Column("有效期至", "until", "date"),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "许可注销",
        "licence_revoked",
        Column("许可记录编号", "licence_record", "code", required=True),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "台账",
        "ledger_entry",
        _CHEMICAL_COLUMN,
        Column("摘要", "movement", labels=MOVEMENT_LABELS, required=True),
        *_QUANTITY_COLUMNS,
        Column("往来单位", "counterparty"),
        Column("许可证号", "licence_number"),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet("盘点", "stock_counted", _CHEMICAL_COLUMN, *_QUANTITY_COLUMNS, subject=SubjectKind.UNIT),
    _record_sheet(
        "检查",
        "inspected",
        Column("检查单位", "organisation", "code", required=True),
        *(
            Column(label, f"items.{item}", labels=ITEM_RESULT_LABELS)
            for label, item in INSPECTION_ITEM_LABELS.items()
        ),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "整改",
        "rectification_ordered",
        Column("检查记录编号", "inspection", "code", required=True),
        Column("问题项目", "item", labels=INSPECTION_ITEM_LABELS, required=True),
        Column("整改期限", "due", "date", required=True),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "整改完成",
        "rectification_done",
        Column("整改记录编号", "order", "code", required=True),
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "案件报告",
        "incident_reported",
        _CHEMICAL_COLUMN,
        Column("情形", "kind", labels=INCIDENT_LABELS, required=True),
        *_QUANTITY_COLUMNS,
        subject=SubjectKind.UNIT,
    ),
    _record_sheet(
        "组织变更", "organisation_changed", *_ORGANISATION_COLUMNS, subject=SubjectKind.ORGANISATION
    ),
    _record_sheet("组织撤销", "organisation_closed", subject=SubjectKind.ORGANISATION),
    _record_sheet(
        "组织登记更正",
        "organisation_registered",
        *(attrs.evolve(c, required=True) for c in _ORGANISATION_COLUMNS),
        subject=SubjectKind.ORGANISATION,
    ),
    *PREVENTION_SHEETS,
)
"""Every sheet a workbook may have, in the order a template lists them."""

_BY_NAME: dict[str, SheetSpec] = {
    **{spec.name: spec for spec in SHEETS},
    **{type: spec for spec in SHEETS for type in spec.types},
}

_VOID_KEYS = {
    "type",
    "id",
    *(k.value for k in SubjectKind),
    "on",
    "recorded_at",
    "recorded_by",
    "voids",
    "reason",
}
"""A dataset record with only these keys and ``voids`` is a pure void (docs/reference/dataset.md)."""

_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


@attrs.frozen
class _Origin:
    sheet: str
    row: int
    headers: Mapping[str, str]
    """Dataset field → the header it was read from."""

    def problem(self, field: str, reason: str) -> Problem:
        # ``chemicals[1]`` is the second name in the 品种 cell: the cell is what a person fixes.
        header = self.headers.get(field) or self.headers.get(field.split("[", 1)[0], field)
        return Problem(header, reason, f"{self.sheet}!{self.row}")


def read_workbook(workbook: Workbook) -> Dataset:
    """Turn a filled-in workbook into a validated dataset (identities checked, then left out).

    A dataset carries pseudonymous ids only; names and identity numbers in
    the 人员 sheet are checked like every other cell, and kept only by
    ``read_workbook_with_identities``.

    Raises:
        InvalidInput: every problem, each naming the sheet and row
            (``见面核查!7``, the spreadsheet's own row number) and the column's
            header; nothing is used if there is any.
    """
    return read_workbook_with_identities(workbook)[0]


IDENTITY_HEADERS = ("姓名", "身份证号")
"""The 人员 sheet's identity columns: never written to a dataset file or any output unmasked."""


def read_workbook_with_identities(workbook: Workbook) -> tuple[Dataset, dict[PersonId, Identity]]:
    """A filled-in workbook as a validated dataset and the identities of its 人员 sheet.

    Each person with a 姓名 needs a 身份证号 and the other way round; a number
    is checked (18 characters, its birth date, its GB 11643 check digit) and
    may belong to one person only. No problem repeats a number.

    Raises:
        InvalidInput: every problem, named by sheet, row and column.
    """
    problems: list[Problem] = []
    identities: dict[PersonId, Identity] = {}
    numbers: dict[str, str] = {}
    targets = (*_LIST_SHEETS.values(), "records")
    document: dict[str, Any] = {"format": DATASET_FORMAT, **{target: [] for target in targets}}
    origins: dict[str, list[_Origin]] = {target: [] for target in targets}
    time_zone = _time_zone(workbook)
    for sheet_name, rows in workbook.items():
        spec = _BY_NAME.get(sheet_name.strip())
        if spec is None:
            known = "、".join(s.name for s in SHEETS)
            problems.append(Problem("", f"unknown sheet {sheet_name!r} (known: {known})", sheet_name))
            continue
        if spec.name == SETTINGS_SHEET:
            _settings(sheet_name, rows, document, problems)
            continue
        target = _LIST_SHEETS.get(spec.name, "records")
        for row_number, values, headers in _rows(sheet_name, spec, rows, problems):
            item = _item(sheet_name, row_number, spec, values, time_zone, problems)
            if item is None:
                continue
            if target == "people":
                where = _Origin(sheet_name, row_number, headers)
                identity = _identity(where, item.pop("name", None), item.pop("resident_id", None), problems)
                if identity is not None and isinstance(item.get("id"), str):
                    here = f"{sheet_name}!{row_number}"
                    earlier = numbers.setdefault(identity.resident_id, here)
                    if earlier != here:
                        problems.append(where.problem("resident_id", f"the same number as {earlier}"))
                    identities[PersonId(item["id"])] = identity
            document[target].append(item)
            origins[target].append(_Origin(sheet_name, row_number, headers))
    try:
        dataset = read_dataset(document)
    except InvalidInput as error:
        problems.extend(_translate(problem, origins) for problem in error.problems)
    if problems:
        raise InvalidInput(problems)
    return dataset, identities


def _identity(where: _Origin, name: Cell, number: Cell, problems: list[Problem]) -> Identity | None:
    """The identity of one 人员 row, or None (a problem is added when half of one is given)."""
    if name is None and number is None:
        return None
    if name is None or number is None:
        missing = "name" if name is None else "resident_id"
        other = "姓名" if name is not None else "身份证号"
        problems.append(where.problem(missing, f"is needed with {other} (give both or neither)"))
        return None
    reason = resident_id_problem(number)
    if reason is not None:
        problems.append(where.problem("resident_id", f"not a valid resident identity number: {reason}"))
        return None
    try:
        return Identity(str(name), str(number))
    except InvalidInput as error:
        problems.extend(where.problem(p.field, p.reason) for p in error.problems)
        return None


def _time_zone(workbook: Workbook) -> str:
    for name, rows in workbook.items():
        if name.strip() == SETTINGS_SHEET:
            for row in rows:
                if len(row) >= 2 and str(row[0]).strip() in ("时区", "time_zone") and row[1]:
                    return str(row[1]).strip()
    return DEFAULT_TIME_ZONE


def _settings(
    sheet: str, rows: Sequence[Sequence[Cell]], document: dict[str, Any], problems: list[Problem]
) -> None:
    """The settings sheet has two columns: 项目 (the setting) and 值 (its value)."""
    spec = _BY_NAME[SETTINGS_SHEET]
    policy: dict[str, Any] = {}
    for index, row in enumerate(rows, start=1):
        if not row or _blank(row[0]) or str(row[0]).strip() in ("项目", "setting"):
            continue
        column = spec.column(str(row[0]).strip())
        value = row[1] if len(row) > 1 else None
        if column is None:
            problems.append(
                Problem(
                    str(row[0]), "unknown setting (known: 责任地规则、检测窗口天数、时区)", f"{sheet}!{index}"
                )
            )
        elif _blank(value):
            continue
        elif column.field == "time_zone":
            document["time_zone"] = str(value).strip()
        elif column.field == "test_window_days":
            number = _number(value)
            if number is None:
                problems.append(
                    Problem(column.header, f"{value!r} is not a whole number of days", f"{sheet}!{index}")
                )
            else:
                policy["test_window_days"] = number
        else:
            word = _choice(column, value)
            if word is None:
                problems.append(Problem(column.header, _not_allowed(column, value), f"{sheet}!{index}"))
            else:
                policy[column.field] = word
    if policy:
        document["policy"] = policy


def _rows(
    sheet: str, spec: SheetSpec, rows: Sequence[Sequence[Cell]], problems: list[Problem]
) -> Iterable[tuple[int, dict[str, Cell], dict[str, str]]]:
    """Each filled row as (row number, field → cell, field → header)."""
    header_index = next((i for i, row in enumerate(rows) if any(not _blank(c) for c in row)), None)
    if header_index is None:
        return
    columns: dict[int, Column] = {}
    for position, cell in enumerate(rows[header_index]):
        if _blank(cell):
            continue
        column = spec.column(str(cell).strip())
        if column is None:
            known = "、".join(c.header for c in spec.columns)
            problems.append(
                Problem(str(cell), f"unknown column (known: {known})", f"{sheet}!{header_index + 1}")
            )
        else:
            columns[position] = column
    present = {c.field for c in columns.values()}
    for column in spec.columns:
        if column.required and column.field not in present:
            problems.append(Problem(column.header, "the column is missing", f"{sheet}!{header_index + 1}"))
    headers = {c.field: c.header for c in columns.values()}
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if all(_blank(c) for c in row):
            continue
        values = {columns[p].field: cell for p, cell in enumerate(row) if p in columns and not _blank(cell)}
        yield index + 1, values, headers


def _item(
    sheet: str,
    row: int,
    spec: SheetSpec,
    values: Mapping[str, Cell],
    time_zone: str,
    problems: list[Problem],
) -> dict[str, Any] | None:
    item: dict[str, Any] = {"type": spec.type} if spec.type is not None else {}
    found = len(problems)
    for field, cell in values.items():
        column = spec.column(field)
        assert column is not None  # values only hold fields of known columns
        where = f"{sheet}!{row}"
        if column.kind == "names":
            names = [w.strip() for w in re.split(r"[、,，;；]", str(cell)) if w.strip()]
            if not names:
                problems.append(Problem(column.header, "names nothing", where))
            item[field] = names
        elif column.kind == "decimal":
            item[field] = _decimal_text(cell)
        elif column.kind == "list":
            words = [w.strip() for w in re.split(r"[、,，;；]", str(cell)) if w.strip()]
            choices = [_choice(column, w) for w in words]
            if not words or None in choices:
                problems.append(Problem(column.header, _not_allowed(column, cell), where))
            item[field] = choices
        elif column.labels:
            word = _choice(column, cell)
            mark = _level_mark(str(cell)) if word is None and field == "level" else None
            if mark is not None:  # a level in a scheme's marks (C2, 红): its level, and the mark kept
                word = mark[0]
                item.setdefault("mark", mark[1])
            elif word is None:
                problems.append(Problem(column.header, _not_allowed(column, cell), where))
            item[field] = word
        elif column.kind == "date":
            day = _date(cell)
            if day is None:
                problems.append(Problem(column.header, f"{cell!r} is not a date (write 2023-03-01)", where))
            item[field] = day.isoformat() if day else None
        elif column.kind == "timestamp":
            instant = _timestamp(cell, time_zone)
            if instant is None:
                problems.append(Problem(column.header, f"{cell!r} is not a date and time", where))
            item[field] = instant.isoformat() if instant else None
        elif column.kind == "identity":
            item[field] = cell.strip() if isinstance(cell, str) else cell  # checked, never echoed
        elif column.kind == "code":
            item[field] = _code(cell)
        elif column.kind in _STRUCTURED:
            value = _STRUCTURED[column.kind][0](str(cell))
            if value is None:
                problems.append(Problem(column.header, f"{cell!r} {_STRUCTURED_FORMS[column.kind]}", where))
            item[field] = value
        elif column.kind in _PARSERS:
            value, reason = _PARSERS[column.kind](cell)
            if reason is not None:
                problems.append(Problem(column.header, f"{cell!r} {reason}", where))
            item[field] = value
        else:
            item[field] = str(cell).strip() if isinstance(cell, str) else _code(cell)
    for field in [f for f in item if "." in f]:  # ``items.ledger`` → ``{"items": {"ledger": …}}``
        outer, inner = field.split(".", 1)
        item.setdefault(outer, {})[inner] = item.pop(field)
    return item if len(problems) == found else None


def _read_factors(text: str) -> list[dict[str, str]] | None:
    factors: list[dict[str, str]] = []
    for part in re.split(r"[；;]", text):
        if not part.strip():
            continue
        factor, equals, value = part.partition("=")
        if not equals or not factor.strip() or not value.strip():
            return None
        factors.append({"factor": factor.strip(), "value": value.strip()})
    return factors


def _write_factors(value: Any) -> str:
    return "；".join(f"{f['factor']}={f['value']}" for f in value)


def _read_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _write_lines(value: Any) -> str:
    return "\n".join(value)


def _read_mark(text: str) -> dict[str, str] | None:
    scheme, colon, mark = text.strip().partition(":")
    if not colon or not scheme.strip() or not mark.strip():
        return None
    return {"scheme": scheme.strip(), "mark": mark.strip()}


def _write_mark(value: Any) -> str:
    return f"{value['scheme']}:{value['mark']}"


_STRUCTURED: Mapping[str, tuple[Any, Any]] = {
    "factors": (_read_factors, _write_factors),
    "lines": (_read_lines, _write_lines),
    "mark": (_read_mark, _write_mark),
}
"""Each structured kind: how its one cell of text is read into the dataset's form, and written back."""
_STRUCTURED_FORMS = {
    "factors": "is not factors and answers (write drug_type=synthetic；work=stable)",
    "lines": "is not text",
    "mark": "is not a scheme and its level (write letters:C2)",
}


def _decimal_text(cell: Cell) -> Any:
    """An exact quantity from a cell: text as written; a number as the spreadsheet shows it.

    A spreadsheet keeps numbers as binary floats; the fifteen significant
    digits it displays are what the keeper typed, so that text is the
    quantity (``0.1`` stays one tenth). Anything else is passed on to be
    refused by the dataset reader, naming the cell.
    """
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, float):
        return format(cell, ".15g") if cell == cell and abs(cell) != float("inf") else str(cell)
    if isinstance(cell, int):
        return str(cell)
    return str(cell).strip() if isinstance(cell, str) else cell


def _translate(problem: Problem, origins: Mapping[str, list[_Origin]]) -> Problem:
    """A dataset problem (``records[12].method``) as the sheet, row and column it came from."""
    match = re.fullmatch(r"(divisions|people|units|organisations|records)\[(\d+)\]\.?(.*)", problem.field)
    if match:
        origin = origins[match.group(1)][int(match.group(2))]
        return origin.problem(match.group(3), problem.reason)
    if problem.field.startswith("policy.") or problem.field == "time_zone":
        column = _BY_NAME[SETTINGS_SHEET].column(problem.field.removeprefix("policy."))
        return Problem(column.header if column else problem.field, problem.reason, SETTINGS_SHEET)
    return problem


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _code(cell: Cell) -> str:
    """An id or division code as text: spreadsheets turn 522631101 into a number, even 522631101.0."""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, int):
        return str(cell)
    return str(cell).strip()


def _number(cell: Cell) -> int | None:
    text = _code(cell)
    return int(text) if text.isdigit() else None


def _choice(column: Column, cell: Cell) -> str | None:
    text = str(cell).strip()
    if text in column.labels:
        return column.labels[text]
    return text if text in column.labels.values() else None


def _not_allowed(column: Column, cell: Cell) -> str:
    if column.field == "level":
        marks = "、".join(m for s in (LETTER_SCHEME, COLOUR_SCHEME) for m in s.marks)
        return f"{cell!r} is not one of: {'、'.join(column.labels)}, nor a mark of a level scheme ({marks})"
    return f"{cell!r} is not one of: {'、'.join(column.labels)}"


def _level_mark(text: str) -> tuple[str, dict[str, str]] | None:
    """A level written in one of the library's schemes' marks (A/B/C1/C2, 红/黄/蓝/绿), if it is one.

    A workbook is read without a store, so a host's own schemes are not known
    here; a host's marks go in the 本地等级 column (``scheme:mark``) instead.
    """
    try:
        level, mark = read_level({s.id: s for s in (LETTER_SCHEME, COLOUR_SCHEME)}, text.strip())
    except InvalidInput:
        return None
    if mark is None:
        return None
    return level.value, {"scheme": mark.scheme, "mark": mark.mark}


def _date(cell: Cell) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if not isinstance(cell, str):
        return None
    for form in _DATE_FORMS:
        match = form.fullmatch(cell.strip())
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    return None


def _timestamp(cell: Cell, time_zone: str) -> dt.datetime | None:
    """A recording time; one without an offset is local time in the workbook's time zone."""
    if isinstance(cell, dt.datetime):
        instant = cell
    elif isinstance(cell, dt.date):
        instant = dt.datetime.combine(cell, dt.time())
    elif isinstance(cell, str):
        try:
            instant = dt.datetime.fromisoformat(cell.strip().replace("/", "-"))
        except ValueError:
            return None
    else:
        return None
    if instant.tzinfo is None:
        try:
            instant = instant.replace(tzinfo=zone(time_zone))
        except Exception:
            instant = instant.replace(tzinfo=zone(DEFAULT_TIME_ZONE))
    return instant


def workbook_template() -> dict[str, list[list[Cell]]]:
    """An empty workbook: every sheet with its headers, and the settings at their defaults."""
    book: dict[str, list[list[Cell]]] = {}
    for spec in SHEETS:
        if spec.name == SETTINGS_SHEET:
            book[spec.name] = [
                ["项目", "值"],
                ["责任地规则", "户籍地为主"],
                ["检测窗口天数", 7],
                ["时区", DEFAULT_TIME_ZONE],
            ]
        else:
            book[spec.name] = [[c.header for c in spec.columns]]
    return book


def dataset_to_workbook(document: Mapping[str, Any]) -> dict[str, list[list[Cell]]]:
    """A dataset document as a workbook a person can read and fill on (the reverse of ``read_workbook``).

    Every record type has a sheet; a pure void (``{"type": X, "voids": …}``)
    goes to the 作废 sheet, which reads back as the same retraction.
    """
    book = workbook_template()
    policy = document.get("policy", {})
    for row in book[SETTINGS_SHEET][1:]:
        column = _BY_NAME[SETTINGS_SHEET].column(str(row[0]))
        if column is None:
            continue
        if column.field == "time_zone":
            row[1] = document.get("time_zone", DEFAULT_TIME_ZONE)
        elif column.field in policy:
            value = policy[column.field]
            row[1] = _label(column, value) if column.labels else value
    for sheet, target in _LIST_SHEETS.items():
        spec = _BY_NAME[sheet]
        for item in document.get(target, []):
            book[sheet].append([_cell(c, _value(item, c.field)) for c in spec.columns])
    for item in document.get("records", []):
        pure_void = "voids" in item and set(item) <= _VOID_KEYS
        spec = _BY_NAME["voided"] if pure_void else _BY_NAME[item["type"]]
        book[spec.name].append([_cell(c, _value(item, c.field)) for c in spec.columns])
    return book


def _value(item: Mapping[str, Any], field: str) -> Any:
    """A dataset field's value; ``items.ledger`` reads inside ``items``."""
    if "." in field:
        outer, inner = field.split(".", 1)
        nested = item.get(outer)
        return nested.get(inner) if isinstance(nested, Mapping) else None
    return item.get(field)


def _label(column: Column, value: Any) -> str:
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "scores":
        return "、".join(f"{_ITEM_NAMES.get(item, item)}{score}" for item, score in value.items())
    if column.kind == "texts":
        return "、".join(value)
    return next((label for label, word in column.labels.items() if word == value), str(value))


def _cell(column: Column, value: Any) -> Cell:
    if value is None:
        return None
    if column.kind in ("bool", "scores", "texts"):
        return _label(column, value)
    if column.kind in ("list", "names"):
        return "、".join(_label(column, v) for v in value)
    if column.kind in _STRUCTURED:
        return _STRUCTURED[column.kind][1](value) or None
    return _label(column, value) if column.labels else value
