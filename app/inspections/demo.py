"""Demo checklists, in English and Chinese, from service-management practice: site hygiene, the
service standard (before, during and after service), an equipment patrol with readings, and a
fire and safety walk. Written as `fieldbook.checklist/1` documents and loaded through the
import, so that they also show what a document looks like."""

from app.extensions import db
from app.inspections import documents, services
from app.inspections.models import ResponseSet

CONDITION = [
    {"value": "clean", "label": "Clean", "label_zh": "干净", "failure": False},
    {"value": "attention", "label": "Needs attention", "label_zh": "需处理", "failure": False},
    {"value": "dirty", "label": "Dirty", "label_zh": "脏", "failure": True},
]
SATISFACTION = [
    {"value": "very", "label": "Very satisfied", "label_zh": "非常满意", "failure": False},
    {"value": "yes", "label": "Satisfied", "label_zh": "满意", "failure": False},
    {"value": "no", "label": "Not satisfied", "label_zh": "不满意", "failure": True},
]
RESPONSE_SETS = [("Condition", "状况", CONDITION), ("Satisfaction", "满意度", SATISFACTION)]


def q(key, kind, prompt, prompt_zh, *, note=False, photo=False, action=False, priority=3,
      due=7, show_if=None, **fields):
    """One question of a document, with the defaults an export writes."""
    return {
        "key": key, "kind": kind, "prompt": prompt, "prompt_zh": prompt_zh,
        "help": fields.get("help", ""), "help_zh": fields.get("help_zh", ""),
        "required": fields.get("required", kind != "instruction"),
        "weight": fields.get("weight", 1), "critical": fields.get("critical", False),
        "unit": fields.get("unit", ""), "lower": fields.get("lower"),
        "upper": fields.get("upper"), "multiple": fields.get("multiple", False),
        "choices": fields.get("choices", []),
        "on_failure": {"note": note, "photo": photo, "action": action,
                       "action_priority": priority, "action_due_days": due},
        "show_if": {"question": show_if[0], "answer": show_if[1]} if show_if else None,
    }


def checklist(title, title_zh, description, description_zh, sections, threshold=80):
    return {"schema": documents.SCHEMA, "title": title, "title_zh": title_zh,
            "description": description, "description_zh": description_zh,
            "pass_threshold": threshold,
            "sections": [{"title": t, "title_zh": t_zh, "questions": qs}
                         for t, t_zh, qs in sections]}


HYGIENE = checklist(
    "Site hygiene check", "现场卫生检查",
    "Floors, equipment cleanliness and waste sorting, once a shift.",
    "每班检查一次：地面、设备清洁和垃圾分类。",
    [("Floors and surfaces", "地面和台面", [
        q("hy-floor", "pass_fail", "Floors clean and dry", "地面干净干燥", note=True,
          photo=True, weight=2),
        q("hy-sign", "yes_no", "Wet-floor signs out where needed", "湿滑处已放置警示牌"),
    ]), ("Equipment cleanliness", "设备清洁", [
        q("hy-equip", "choice", "Condition of the equipment", "设备状况", choices=CONDITION,
          action=True, due=1, photo=True),
        q("hy-contact", "pass_fail", "Food-contact surfaces sanitised", "食品接触面已消毒",
          critical=True, note=True, action=True, priority=2, due=1),
    ]), ("Waste sorting", "垃圾分类", [
        q("hy-sorted", "pass_fail", "Waste sorted into the right bins", "垃圾已正确分类投放",
          photo=True),
        q("hy-emptied", "yes_no", "Bins emptied before they overflow", "垃圾桶未满溢并及时清运"),
        q("hy-which", "text", "Which bins were overflowing?", "哪些垃圾桶满溢？",
          show_if=("hy-emptied", "no")),
    ])])

SERVICE = checklist(
    "Service standard check", "服务规范检查",
    "Before, during and after a service visit: the standard every customer should get.",
    "服务前、服务中、服务后：每位客户都应得到的服务标准。",
    [("Before service", "服务前", [
        q("sv-uniform", "pass_fail", "In uniform, with staff ID visible", "穿工装并佩戴工牌"),
        q("sv-ready", "yes_no", "Tools and materials prepared", "工具和材料已备齐"),
    ]), ("During service", "服务中", [
        q("sv-greet", "pass_fail", "Customer greeted within 30 seconds", "30 秒内问候客户"),
        q("sv-needs", "pass_fail", "Customer's needs understood and repeated back",
          "理解并复述客户需求", weight=2),
        q("sv-missed", "text", "What was missed?", "遗漏了什么？", show_if=("sv-needs", "fail")),
    ]), ("After service", "服务后", [
        q("sv-confirm", "yes_no", "Work confirmed with the customer", "已与客户确认完工",
          critical=True, action=True),
        q("sv-feedback", "yes_no", "Feedback invited", "已邀请客户评价"),
        q("sv-satisf", "choice", "Customer satisfaction", "客户满意度", choices=SATISFACTION,
          note=True, action=True, priority=2),
        q("sv-sign", "signature", "Customer signature", "客户签名", required=False),
    ])])

PATROL = checklist(
    "Equipment patrol with readings", "设备巡检（读数）",
    "Plant room round: readings against their limits, a photo of each gauge.",
    "机房巡检：读数对照限值，每个仪表拍照。",
    [("Safety first", "安全第一", [
        q("pt-ppe", "instruction", "Wear gloves and ear protection; never open a live panel.",
          "佩戴手套和耳罩；切勿打开带电的配电柜。"),
    ]), ("Chiller", "冷水机组", [
        q("pt-supply", "number", "Chilled water supply temperature", "冷冻水供水温度",
          unit="°C", lower=5.0, upper=9.0, action=True, note=True),
        q("pt-return", "number", "Chilled water return temperature", "冷冻水回水温度",
          unit="°C", lower=10.0, upper=14.0),
        q("pt-press", "number", "Compressor discharge pressure", "压缩机排气压力",
          unit="MPa", lower=0.8, upper=1.6, action=True, priority=2),
        q("pt-gauge", "photo", "Photo of the pressure gauge", "压力表照片"),
    ]), ("Boiler room", "锅炉房", [
        q("pt-boiler", "number", "Boiler pressure", "锅炉压力", unit="MPa", lower=0.2,
          upper=0.7, critical=True, action=True, priority=1, due=0),
        q("pt-noleak", "yes_no", "No leaks and no unusual noise", "无泄漏、无异常噪音",
          note=True, photo=True),
        q("pt-notes", "text", "Other observations", "其他情况", required=False),
    ])])

FIRE = checklist(
    "Fire and safety walk", "消防安全巡查",
    "Weekly walk: exits, extinguishers and first aid. A failed critical item fails the walk.",
    "每周巡查：疏散通道、灭火器和急救用品。关键项不合格则本次巡查不合格。",
    [("Exits", "疏散通道", [
        q("fs-exits", "pass_fail", "Emergency exits and routes clear", "安全出口和疏散通道畅通",
          critical=True, note=True, photo=True, action=True, priority=1, due=0),
        q("fs-signs", "pass_fail", "Exit signs lit", "疏散指示标志亮起", action=True),
    ]), ("Extinguishers", "灭火器", [
        q("fs-date", "pass_fail", "Extinguishers in date", "灭火器在有效期内", critical=True,
          action=True, priority=2, due=3),
        q("fs-gauge", "pass_fail", "Pressure gauge in the green", "压力表指针在绿区",
          photo=True),
    ]), ("First aid", "急救", [
        q("fs-kit", "pass_fail", "First-aid kit stocked", "急救箱物品齐全", action=True),
        q("fs-checked", "datetime", "When the kit was last checked", "急救箱上次检查时间",
          required=False),
    ]), ("Sign-off", "确认", [
        q("fs-sign", "signature", "Inspector's signature", "检查员签名"),
    ])], threshold=90)

DEMO_CHECKLISTS = (HYGIENE, SERVICE, PATROL, FIRE)


def seed_checklists(admin) -> list:
    """The shared response sets, and each demo checklist published as version 1, for all
    sites."""
    for name, name_zh, choices in RESPONSE_SETS:
        db.session.add(ResponseSet(name=name, name_zh=name_zh, choices=choices))
    db.session.flush()
    templates = []
    for document in DEMO_CHECKLISTS:
        draft, problems = documents.read_document(document)
        if problems:  # a mistake in this file: say where
            raise ValueError(problems.items)
        template = documents.import_document(draft, all_sites=True, sites=[], by=admin)
        services.publish(template, change_note="Demo checklist", by=admin)
        templates.append(template)
    return templates
