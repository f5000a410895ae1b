"""Vocabulary for places and organisations: communities, villages, roads, estates, companies, hospitals.

Names are assembled from parts that occur in Changsha (桃花岭, 五一大道, 麓谷, 星沙 …) so that generated
names read like the real ones without copying any real community list. Every character is encodable in
GBK, because several departments export in GBK.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "COMMERCIAL_SUFFIXES",
    "COMMUNITY_ROOTS",
    "COMMUNITY_SUFFIXES",
    "COMPANY_FORMS",
    "COMPANY_PREFIXES",
    "COMPANY_TRADE_CHARS",
    "DEVELOPERS",
    "ESTATE_PARTS",
    "ESTATE_SUFFIXES",
    "HOSPITALS",
    "INDUSTRIES",
    "ROAD_ROOTS",
    "ROAD_SUFFIXES",
    "SHOP_KINDS",
    "VILLAGE_PARTS",
]

# Urban communities: a root and a landscape suffix, as in 桃花岭社区, 望月湖社区, 砂子塘社区.
COMMUNITY_ROOTS: Final = (
    "桃花 望月 枫林 金桥 湘江 银盆 麓山 桂花 五一 八一 东风 新河 洞井 砂子 圭塘 左家 侯家 月湖 德雅 "
    "四方 伍家 识字 东茅 韭菜 燕山 松桂 朝阳 曙光 雨花 黎托 洪山 马栏 高桥 东塘 窑岭 仰天 白沙 清水 "
    "芙蓉 湘湖 荷花 火炬 梅溪 含浦 学士 咸嘉 望岳 谷山 金霞 秀峰 鸭子 北辰 长岭 新开 青园 井湾 "
    "南湖 沙湖 杨家 赤岭 书院 天际 龙华 晓园 泉塘 星沙 榔梨 湘龙 金鹰 丁字 月亮 茶山 浏正"
).split()
COMMUNITY_SUFFIXES: Final = tuple("岭坪塘湖桥湾冲园街坡山港洲里苑")

# Villages: two characters and 村, as in 石泉村, 双江村, 杨柳村.
VILLAGE_PARTS: Final = tuple("石泉塘新桥龙凤湾山田冲坪竹枫杨柳花桃李白沙金银长高大双江河湖岭丰福和兴安宁胜利红旗光明")

# Urban roads: root and kind; the big arteries come with a section (五一大道, 芙蓉中路一段).
ROAD_ROOTS: Final = (
    "五一 芙蓉 人民 解放 韶山 劳动 雨花 湘江 麓山 桐梓坡 枫林 岳麓 银盆 东二环 远大 万家丽 车站 "
    "八一 黄兴 蔡锷 坡子 三一 含浦 金星 潇湘 星沙 开元 黄花 湘府 梅溪湖 洞井 浏阳河 新韶 香樟 书院 "
    "中意 桂花 友谊 曙光 长沙 福元 三环 潭州 金洲 玉潭 白沙 淮川 天华 望城 高塘岭 金山 火炬 岳华 "
    "西二环 麓谷 东方红 学士 坪塘 暮云 红旗 文昌 嘉园 紫薇 桃花 荷花 松雅 映霞 德政 盘龙"
).split()
ROAD_SUFFIXES: Final = ("路", "路", "路", "街", "大道", "中路", "东路", "西路", "南路", "北路", "巷")

# Residential estates: developer or place, two characters and a kind.
DEVELOPERS: Final = (
    "保利 万科 中建 恒大 碧桂园 融创 金茂 华润 北辰 运达 美的 龙湖 招商 旭辉 新城 中海 绿地 天健 "
    "湘江 长房 中南 金地 阳光城 建发 梅溪"
).split()
ESTATE_PARTS: Final = tuple("金城华府翠湖龙湾阳光绿地锦绣润和天城名都家园枫丹雅苑星河麓林语水岸山庭泊公馆")
ESTATE_SUFFIXES: Final = (
    "花园", "小区", "苑", "家园", "公寓", "新村", "名城", "华庭", "国际", "府", "园", "山庄", "一期", "二期"
)  # fmt: skip
COMMERCIAL_SUFFIXES: Final = ("大厦", "广场", "中心", "科技园", "产业园", "商务楼", "写字楼", "国际中心")

# Companies: a place prefix, a two-character trade name (字号), an industry and a legal form.
COMPANY_PREFIXES: Final = ("长沙", "湖南", "长沙市")
COMPANY_TRADE_CHARS: Final = tuple(
    dict.fromkeys(
        "星辉达盛鑫华泰宏远通恒瑞祥嘉信诚力德邦利源聚创新合安丰益昌隆凯富兴旺景博晟鼎美佳优卓越天宇海金"
        "银顺和惠升腾飞航湘楚麓岳晨阳光明智云峰泽润锦荣鸿誉邦捷众汇元久康乐正大中亿万千百川林森"
        "禾田竹松柏兰梅菁芯科达"
    )
)
INDUSTRIES: Final[tuple[tuple[str, str], ...]] = (
    ("科技", "技术开发、技术咨询、技术服务"),
    ("信息技术", "软件开发；信息系统集成服务；信息技术咨询服务"),
    ("网络科技", "互联网信息服务；网络技术服务"),
    ("贸易", "日用百货、五金交电、建筑材料的销售"),
    ("商贸", "食品、日用品、服装鞋帽的批发和零售"),
    ("建筑工程", "房屋建筑工程、市政公用工程施工"),
    ("装饰工程", "建筑装饰工程设计与施工"),
    ("物业管理", "物业管理；停车场服务；家政服务"),
    ("餐饮管理", "餐饮服务；餐饮管理"),
    ("文化传媒", "文化活动策划；广告设计、制作、代理、发布"),
    ("教育咨询", "教育咨询服务（不含教育培训活动）"),
    ("医疗器械", "第一类、第二类医疗器械销售"),
    ("生物科技", "生物技术推广服务；农业科学研究和试验发展"),
    ("新能源", "新能源技术推广；太阳能发电技术服务"),
    ("电子商务", "互联网销售；电子商务平台运营"),
    ("供应链管理", "供应链管理服务；国内货物运输代理"),
    ("农业发展", "农作物种植；农产品的收购与销售"),
    ("食品", "食品生产；食品销售"),
    ("机械设备", "通用机械设备的制造与销售"),
    ("汽车服务", "汽车销售；汽车维修与保养"),
    ("劳务", "劳务服务（不含劳务派遣）"),
    ("健康管理", "健康咨询服务（不含诊疗服务）"),
    ("环保科技", "环保技术推广；水污染治理"),
    ("智能科技", "智能控制系统集成；人工智能应用软件开发"),
    ("房地产开发", "房地产开发经营"),
    ("工程机械", "工程机械的研发、制造与销售"),
    ("茶业", "茶叶种植、加工与销售"),
    ("酒店管理", "住宿服务；酒店管理"),
)
COMPANY_FORMS: Final[tuple[tuple[str, str, int], ...]] = (
    # (name suffix, 市场主体类型, weight)
    ("有限公司", "有限责任公司（自然人投资或控股）", 60),
    ("有限公司", "有限责任公司（自然人独资）", 20),
    ("有限责任公司", "有限责任公司（自然人投资或控股）", 8),
    ("股份有限公司", "股份有限公司（非上市、自然人投资或控股）", 3),
)
# Sole proprietors (个体工商户) are named after the district, the owner or a trade name and the shop.
SHOP_KINDS: Final = (
    "便利店 商行 餐馆 粉店 理发店 五金店 超市 水果店 小吃店 服装店 副食店 烟酒店 手机店 建材店 "
    "茶馆 美容店 药店 汽车修理店 家电维修部 快餐店 面馆 花店 文具店 早餐店"
).split()

# Hospitals with maternity wards, with the county they are in (births go to the nearest ones).
HOSPITALS: Final[tuple[tuple[str, str], ...]] = (
    ("湖南省妇幼保健院", "430105"),
    ("长沙市妇幼保健院", "430111"),
    ("中南大学湘雅医院", "430105"),
    ("中南大学湘雅二医院", "430102"),
    ("中南大学湘雅三医院", "430104"),
    ("湖南省人民医院", "430102"),
    ("长沙市中心医院", "430103"),
    ("长沙市第一医院", "430105"),
    ("长沙市第四医院", "430104"),
    ("长沙市第三医院", "430103"),
    ("长沙市雨花区妇幼保健院", "430111"),
    ("长沙市望城区人民医院", "430112"),
    ("长沙县妇幼保健院", "430121"),
    ("长沙县人民医院", "430121"),
    ("浏阳市妇幼保健院", "430181"),
    ("浏阳市人民医院", "430181"),
    ("宁乡市妇幼保健院", "430182"),
    ("宁乡市人民医院", "430182"),
    ("长沙市岳麓区妇幼保健院", "430104"),
    ("长沙市开福区妇幼保健院", "430105"),
)
