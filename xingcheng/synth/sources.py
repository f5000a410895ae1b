"""The departmental sources: who hands over what, in which file format, encoding, columns and date style.

Departments differ the way real ones do. Public security exports GBK CSV with Chinese headers and
``20200102`` dates; the health commission sends an Excel workbook with ``2020年1月2日``; civil affairs a
UTF-8 CSV with a byte-order mark (saved from Excel) and ``2020/1/2``; human resources uses the 金保工程
field codes (``aac002`` …) in JSON lines; medical insurance the national 医保 field names in GBK;
taxation pinyin abbreviations (``nsrsbh``). Sex is 男/女 in some and 1/2 in others. The date-style
functions at the end render the declared formats; they are plain f-strings, several times faster than
``strftime`` (whose ``%-m`` is not portable either).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from .manifest import Department, FieldSpec, FieldType, Sensitivity, SourceSpec

__all__ = ["SOURCES", "SOURCE_BY_ID", "chinese", "compact", "iso", "slash", "slash_padded"]

_SEX_CN: Final = {"男": "男", "女": "女"}
_SEX_NUM: Final = {"1": "男", "2": "女"}
_GB11643: Final = "GB 11643-1999"
_GB32100: Final = "GB 32100-2015"
_GB2260: Final = "GB/T 2260"


def _f(
    name: str,
    label: str,
    type_: FieldType = "string",
    sensitivity: Sensitivity = "none",
    fmt: str | None = None,
    codes: dict[str, str] | None = None,
    standard: str | None = None,
) -> FieldSpec:
    return FieldSpec(name, label, type_, sensitivity, fmt, codes, standard)


def _own(name: str) -> FieldSpec:
    """A column that is its own label (Chinese headers)."""
    return FieldSpec(name, name)


HUKOU: Final = SourceSpec(
    id="psb_hukou",
    department=Department("长沙市公安局", "psb"),
    resource="常住人口户籍信息",
    description="户籍人口登记：每人一条，含户号、与户主关系和户籍地址。",
    file="sources/psb_hukou.csv",
    format="csv",
    encoding="gbk",
    newline="\r\n",
    key=("人员编号",),
    entity="person",
    fields=(
        _own("人员编号"),
        _f("公民身份号码", "公民身份号码", "code", "sensitive", standard=_GB11643),
        _f("姓名", "姓名", "string", "personal"),
        _f("性别", "性别", "code", "personal", codes=_SEX_CN),
        _f("民族", "民族", "code", "personal"),
        _f("出生日期", "出生日期", "date", "personal", "%Y%m%d"),
        _f("户号", "户号", "string", "personal"),
        _f("与户主关系", "与户主关系", "code", "personal"),
        _f("婚姻状况", "婚姻状况", "code", "personal"),
        _f("户籍地址", "户籍地址", "string", "personal"),
        _f("居委会代码", "户籍地社区（村）代码", "code", "personal", standard=_GB2260),
        _own("所属派出所"),
        _f("联系电话", "联系电话", "string", "personal"),
        _f("登记日期", "户口登记日期", "date", "personal", "%Y%m%d"),
    ),
)

BIRTHS: Final = SourceSpec(
    id="hc_birth_certificates",
    department=Department("长沙市卫生健康委员会", "hc"),
    resource="出生医学证明信息",
    description="近年在本市助产机构出生的新生儿的出生医学证明（新生儿信息均为敏感个人信息）。",
    file="sources/hc_birth_certificates.xlsx",
    format="xlsx",
    encoding="utf-8",
    sheet="出生医学证明",
    key=("出生医学证明编号",),
    entity="person",
    fields=(
        _f("出生医学证明编号", "出生医学证明编号", "string", "sensitive"),
        _f("新生儿姓名", "新生儿姓名", "string", "sensitive"),
        _f("性别", "性别", "code", "sensitive", codes=_SEX_CN),
        _f("出生日期", "出生日期", "date", "sensitive", "%Y年%-m月%-d日"),
        _f("出生时间", "出生时间", "string", "sensitive", "%H:%M"),
        _f("出生孕周", "出生孕周", "integer", "sensitive"),
        _f("出生体重（克）", "出生体重（克）", "integer", "sensitive"),
        _f("出生身长（厘米）", "出生身长（厘米）", "integer", "sensitive"),
        _f("出生地点", "出生地点", "string", "sensitive"),
        _own("助产机构"),
        _f("母亲姓名", "母亲姓名", "string", "personal"),
        _f("母亲身份证件号码", "母亲身份证件号码", "code", "sensitive", standard=_GB11643),
        _f("父亲姓名", "父亲姓名", "string", "personal"),
        _f("父亲身份证件号码", "父亲身份证件号码", "code", "sensitive", standard=_GB11643),
        _f("家庭住址", "家庭住址", "string", "sensitive"),
        _f("签发日期", "签发日期", "date", "sensitive"),
    ),
)

MARRIAGES: Final = SourceSpec(
    id="mca_marriages",
    department=Department("长沙市民政局", "mca"),
    resource="婚姻登记信息",
    description="结婚登记：每位当事人一条，同一结婚证字号下两条互为配偶。",
    file="sources/mca_marriages.csv",
    format="csv",
    encoding="utf-8-sig",
    newline="\r\n",
    key=("业务编号",),
    entity="person",
    fields=(
        _own("业务编号"),
        _f("结婚证字号", "结婚证字号", "string", "personal"),
        _f("当事人姓名", "当事人姓名", "string", "personal"),
        _f("当事人证件号码", "当事人证件号码", "code", "sensitive", standard=_GB11643),
        _f("性别", "性别", "code", "personal", codes=_SEX_CN),
        _f("出生日期", "出生日期", "date", "personal", "%Y/%-m/%-d"),
        _f("国籍", "国籍", "code", "personal"),
        _f("配偶姓名", "配偶姓名", "string", "personal"),
        _f("配偶证件号码", "配偶证件号码", "code", "sensitive", standard=_GB11643),
        _f("登记日期", "登记日期", "date", "personal", "%Y/%-m/%-d"),
        _own("登记机关"),
        _f("业务类型", "业务类型", "code"),
    ),
)

SOCIAL_SECURITY: Final = SourceSpec(
    id="hrss_insured",
    department=Department("长沙市人力资源和社会保障局", "hrss"),
    resource="社会保险参保人员信息",
    description="养老保险参保登记（金保工程字段编码）。",
    file="sources/hrss_insured.jsonl",
    format="jsonl",
    encoding="utf-8",
    key=("aac001",),
    entity="person",
    fields=(
        _f("aac001", "个人编号", "string", "personal"),
        _f("aac002", "公民身份号码", "code", "sensitive", standard=_GB11643),
        _f("aac003", "姓名", "string", "personal"),
        _f("aac004", "性别", "code", "personal", codes=_SEX_NUM),
        _f("aac005", "民族", "code", "personal", standard="GB/T 3304"),
        _f("aac006", "出生日期", "date", "personal", "%Y%m%d"),
        _f("aae005", "联系电话", "string", "personal"),
        _f("aae006", "联系地址", "string", "personal"),
        _f("aab001", "单位编号", "string"),
        _f("aab004", "单位名称", "string"),
        _f(
            "aae140",
            "险种类型",
            "code",
            "personal",
            codes={"110": "企业职工基本养老保险", "170": "城乡居民基本养老保险"},
        ),
        _f("aac008", "人员参保状态", "code", "personal", codes={"1": "参保缴费", "2": "暂停缴费"}),
        _f("aac084", "离退休标志", "code", "personal", codes={"0": "否", "1": "是"}),
        _f("aac030", "参保日期", "date", "personal", "%Y%m%d"),
    ),
)

MEDICAL_INSURANCE: Final = SourceSpec(
    id="hsa_insured",
    department=Department("长沙市医疗保障局", "hsa"),
    resource="基本医疗保险参保人员信息",
    description="职工医保和城乡居民医保参保人员（国家医保信息平台字段）。",
    file="sources/hsa_insured.csv",
    format="csv",
    encoding="gbk",
    newline="\r\n",
    key=("psn_no",),
    entity="person",
    fields=(
        _f("psn_no", "人员编号", "string", "personal"),
        _f("psn_cert_type", "人员证件类型", "code", codes={"01": "居民身份证"}),
        _f("certno", "证件号码", "code", "sensitive", standard=_GB11643),
        _f("psn_name", "人员姓名", "string", "personal"),
        _f("gend", "性别", "code", "personal", codes=_SEX_NUM),
        _f("brdy", "出生日期", "date", "personal", "%Y-%m-%d"),
        _f("naty", "民族", "code", "personal", standard="GB/T 3304"),
        _f("tel", "联系电话", "string", "personal"),
        _f("addr", "联系地址", "string", "personal"),
        _f(
            "insutype", "险种类型", "code", "personal", codes={"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}
        ),
        _f(
            "psn_type",
            "人员类别",
            "code",
            "personal",
            codes={"11": "在职", "12": "退休", "13": "城乡居民", "14": "学生儿童"},
        ),
        _f("emp_name", "单位名称"),
        _f("insu_admdvs", "参保所属医保区划", "code", standard=_GB2260),
        _f("psn_insu_stas", "参保状态", "code", "personal", codes={"1": "正常参保", "2": "暂停参保"}),
        _f("begndate", "开始日期", "date", "personal", "%Y-%m-%d"),
    ),
)

MARKET_ENTITIES: Final = SourceSpec(
    id="amr_market_entities",
    department=Department("长沙市市场监督管理局", "amr"),
    resource="市场主体登记信息",
    description="企业、个体工商户和农民专业合作社的登记信息。",
    file="sources/amr_market_entities.xlsx",
    format="xlsx",
    encoding="utf-8",
    sheet="市场主体",
    key=("主体身份代码",),
    entity="company",
    fields=(
        _own("主体身份代码"),
        _f("统一社会信用代码", "统一社会信用代码", "code", standard=_GB32100),
        _own("企业名称"),
        _f("市场主体类型", "市场主体类型", "code"),
        _f("法定代表人", "法定代表人（负责人、经营者）", "string", "personal"),
        _f("法定代表人证件号码", "法定代表人证件号码", "code", "sensitive", standard=_GB11643),
        _f("注册资本（万元）", "注册资本（万元）", "decimal"),
        _f("成立日期", "成立日期", "date"),
        _own("住所"),
        _own("经营范围"),
        _own("登记机关"),
        _f("登记状态", "登记状态", "code"),
        _f("核准日期", "核准日期", "date"),
    ),
)

TAXPAYERS: Final = SourceSpec(
    id="tax_taxpayers",
    department=Department("国家税务总局长沙市税务局", "tax"),
    resource="纳税人登记信息",
    description="税务登记（金税系统字段拼音缩写）。",
    file="sources/tax_taxpayers.csv",
    format="csv",
    encoding="utf-8",
    key=("djxh",),
    entity="company",
    fields=(
        _f("djxh", "登记序号"),
        _f("nsrsbh", "纳税人识别号", "code", standard=_GB32100),
        _f("nsrmc", "纳税人名称"),
        _f("fddbrxm", "法定代表人姓名", "string", "personal"),
        _f("fddbrsfzjhm", "法定代表人身份证件号码", "code", "sensitive", standard=_GB11643),
        _f("scjydz", "生产经营地址"),
        _f("hy_mc", "行业"),
        _f("djzclx_mc", "登记注册类型", "code"),
        _f("nsrzt_mc", "纳税人状态", "code"),
        _f("zgswj_mc", "主管税务机关"),
        _f("lxdh", "联系电话", "string", "personal"),
        _f("djrq", "登记日期", "datetime", fmt="%Y-%m-%d %H:%M:%S"),
    ),
)

HOUSING: Final = SourceSpec(
    id="housing_properties",
    department=Department("长沙市住房和城乡建设局", "housing"),
    resource="房屋及产权登记信息",
    description="楼栋和房屋（户）记录；房屋带权利人（自然人或单位）。",
    file="sources/housing_properties.jsonl",
    format="jsonl",
    encoding="utf-8",
    key=("record_no",),
    entity="address",
    fields=(
        _f("record_no", "记录编号"),
        _f("record_type", "记录类型", "code", codes={"building": "楼栋", "house": "房屋"}),
        _f("unit_no", "不动产单元号"),
        _f("project_name", "项目（小区）名称"),
        _f("building_no", "幢号"),
        _f("location", "坐落"),
        _f("address_code", "标准地址编码"),
        _f("district_code", "区县代码", "code", standard=_GB2260),
        _f("floors", "总层数", "integer"),
        _f("units", "单元数", "integer"),
        _f("built_year", "建成年份", "integer"),
        _f("floor", "所在层", "integer"),
        _f("room_no", "房号"),
        _f("area", "建筑面积（平方米）", "decimal"),
        _f("use", "规划用途", "code"),
        _f("owner_type", "权利人类型", "code", codes={"person": "自然人", "company": "单位"}),
        _f("owner_name", "权利人名称", "string", "personal"),
        _f("owner_cert_no", "权利人证件号码", "code", "sensitive"),
        _f("co_owner_name", "共有人名称", "string", "personal"),
        _f("co_owner_cert_no", "共有人证件号码", "code", "sensitive"),
        _f("share_mode", "共有方式", "code"),
        _f("registered_at", "登记时间", "datetime", fmt="%Y-%m-%dT%H:%M:%S"),
    ),
)

ADDRESSES: Final = SourceSpec(
    id="nrp_standard_addresses",
    department=Department("长沙市自然资源和规划局", "nrp"),
    resource="标准地址信息",
    description="标准地址：区县→街道（乡镇）→社区（村）→道路→门牌→楼栋→单元→户室，含坐标和网格。",
    file="sources/nrp_standard_addresses.csv",
    format="csv",
    encoding="utf-8",
    key=("addr_code",),
    entity="address",
    fields=(
        _f("addr_code", "地址编码"),
        _f("addr_level", "地址级别", "code", codes={"门牌": "门牌", "楼栋": "楼栋", "户室": "户室"}),
        _f("district_code", "区县代码", "code", standard=_GB2260),
        _f("district_name", "区县名称"),
        _f("street_code", "街道（乡镇）代码", "code", standard=_GB2260),
        _f("street_name", "街道（乡镇）名称"),
        _f("community_code", "社区（村）代码", "code"),
        _f("community_name", "社区（村）名称"),
        _f("road_name", "道路（街巷）名称"),
        _f("door_no", "门牌号"),
        _f("estate_name", "小区（建筑物）名称"),
        _f("building_no", "楼栋号"),
        _f("unit_no", "单元号"),
        _f("room_no", "户室号"),
        _f("full_address", "标准地址全称"),
        _f("longitude", "经度", "decimal"),
        _f("latitude", "纬度", "decimal"),
        _f("grid_code", "网格编码", "code"),
    ),
)

COMPONENTS: Final = SourceSpec(
    id="um_city_components",
    department=Department("长沙市城市管理和综合执法局", "um"),
    resource="城市部件信息",
    description="数字化城管部件普查：部件标识码 = 6位区县代码 + 2位大类 + 2位小类 + 6位序号。",
    file="sources/um_city_components.csv",
    format="csv",
    encoding="gbk",
    newline="\r\n",
    key=("部件标识码",),
    entity="component",
    fields=(
        _f("部件标识码", "部件标识码", "code"),
        _f("大类代码", "大类代码", "code"),
        _own("大类名称"),
        _f("小类代码", "小类代码", "code"),
        _own("小类名称"),
        _own("所在区县"),
        _own("所在街道"),
        _own("所在社区"),
        _f("社区代码", "社区代码", "code"),
        _f("网格编码", "网格编码", "code"),
        _f("经度", "经度", "decimal"),
        _f("纬度", "纬度", "decimal"),
        _own("位置描述"),
        _own("主管部门"),
        _own("权属单位"),
        _own("养护单位"),
        _f("部件状态", "部件状态", "code"),
        _f("普查日期", "普查日期", "date", fmt="%Y/%m/%d"),
    ),
)

SOURCES: Final[tuple[SourceSpec, ...]] = (
    HUKOU,
    BIRTHS,
    MARRIAGES,
    SOCIAL_SECURITY,
    MEDICAL_INSURANCE,
    MARKET_ENTITIES,
    TAXPAYERS,
    HOUSING,
    ADDRESSES,
    COMPONENTS,
)
SOURCE_BY_ID: Final = {s.id: s for s in SOURCES}


# -- date styles ------------------------------------------------------------------------------------------


def iso(day: dt.date) -> str:
    """``2020-01-02``"""
    return f"{day.year}-{day.month:02d}-{day.day:02d}"


def compact(day: dt.date) -> str:
    """``20200102``"""
    return f"{day.year}{day.month:02d}{day.day:02d}"


def slash(day: dt.date) -> str:
    """``2020/1/2``"""
    return f"{day.year}/{day.month}/{day.day}"


def slash_padded(day: dt.date) -> str:
    """``2020/01/02``"""
    return f"{day.year}/{day.month:02d}/{day.day:02d}"


def chinese(day: dt.date) -> str:
    """``2020年1月2日``"""
    return f"{day.year}年{day.month}月{day.day}日"
