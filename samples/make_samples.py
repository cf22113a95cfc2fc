#!/usr/bin/env python3
"""make_samples.py — writes the sample application packets of packetd.

Usage: python3 samples/make_samples.py [OUTDIR]      (default: the folder of this script)

Writes, under OUTDIR:
  packets/   complete and incomplete applicant packets (zip), each with one clear defect
  hostile/   unsafe or unreadable archives (traversal, symlink, not a zip)
  mail/      example emails to the intake address carrying the packets
  batches/   a provincial society's batch (SPEC section 7)

Standard library only. The output is deterministic: fixed zip and tar times,
members in sorted order, fixed MIME boundaries and dates, so that rerunning
produces identical bytes. tests/cases/make_cases.py imports the generators
below (pdf_bytes, docx_bytes, xlsx_bytes, zip_bytes, packet_members, ...).

Document texts follow the scheme's annexes (seed document): annex 1/2 the
SOE application form, annex 3/4 the CPD record, annex 5/6 the CEng/IEng
cross-reference table, annex 7/8 the CMES endorsement form CMES-01E/01C.
"""

import base64
import binascii
import gzip
import io
import os
import struct
import sys
import tarfile
import zlib
from email.header import Header
from urllib.parse import quote
from xml.sax.saxutils import escape

ZIP_TIME = (2026, 11, 2, 9, 30, 0)
TAR_MTIME = 1793583000            # 2026-11-02 09:30 UTC
INTAKE = "rra@cmes.example"

# ---------------------------------------------------------------------------
# Applicants
# ---------------------------------------------------------------------------

FIELDS = ["name_zh", "name_en", "email", "cmes_no", "cmes_grade", "cmes_qualification",
          "senior_engineer", "target", "soe_grade", "province", "soe_sector"]


def applicant(name_zh, name_en, email, cmes_no, *, grade="member",
              qualification="mechanical_engineer", senior="no", target="CEng",
              soe_grade="member", province="江苏省机械工程学会", sector="IPlantE",
              employer="Jiangsu Hengli Heavy Machinery Co., Ltd.",
              employer_zh="江苏恒力重型机械有限公司", university="Nanjing University of Science and Technology",
              university_zh="南京理工大学"):
    """An applicant: the manifest fields plus a few details the documents quote."""
    return {
        "name_zh": name_zh, "name_en": name_en, "email": email, "cmes_no": cmes_no,
        "cmes_grade": grade, "cmes_qualification": qualification, "senior_engineer": senior,
        "target": target, "soe_grade": soe_grade, "province": province, "soe_sector": sector,
        "employer": employer, "employer_zh": employer_zh,
        "university": university, "university_zh": university_zh,
    }


ZHANG_WEI = applicant("张伟", "ZHANG Wei", "zhang.wei@example.com", "M2024001234")
LI_NA = applicant("李娜", "LI Na", "li.na@example.com", "M2023004567", grade="senior_member",
                  qualification="professional_engineer", target="IEng", province="广东省机械工程学会",
                  sector="IRTE", employer="Guangzhou Yuecheng Bus Manufacturing Co., Ltd.",
                  employer_zh="广州粤城客车制造有限公司", university="South China University of Technology",
                  university_zh="华南理工大学")
WANG_FANG = applicant("王芳", "WANG Fang", "wang.fang@example.com", "M2022007788",
                      province="上海市机械工程学会", employer="Shanghai Dongfang Crane Works",
                      employer_zh="上海东方起重机厂", university="Tongji University", university_zh="同济大学")
LIU_YANG = applicant("刘洋", "LIU Yang", "liu.yang@example.com", "M2021003310",
                     province="浙江省机械工程学会", sector="BES", employer="Hangzhou Precision Gauging Co., Ltd.",
                     employer_zh="杭州精密计量有限公司", university="Zhejiang University", university_zh="浙江大学")
CHEN_JING = applicant("陈静", "CHEN Jing", "chen.jing@example.com", "M2024002468")
YANG_LEI = applicant("杨磊", "YANG Lei", "yang.lei@example.com", "M2020009901", target="IEng",
                     soe_grade="associate_member", province="山东省机械工程学会", sector="IRTE",
                     employer="Jinan Heavy Truck Service Centre", employer_zh="济南重卡服务中心",
                     university="Shandong University", university_zh="山东大学")
ZHAO_MIN = applicant("赵敏", "ZHAO Min", "zhao.min@example.com", "M2023006120",
                     grade="senior_member", province="北京机械工程学会", employer="Beijing Jingcheng Machinery Co., Ltd.",
                     employer_zh="北京京城机械有限公司", university="Tsinghua University", university_zh="清华大学")
HUANG_YONG = applicant("黄勇", "HUANG Yong", "huang.yong@example.com", "M2025000815",
                       qualification="none", senior="no", province="湖北省机械工程学会",
                       employer="Wuhan Boiler Works", employer_zh="武汉锅炉厂",
                       university="Huazhong University of Science and Technology", university_zh="华中科技大学")
ZHOU_JIE = applicant("周杰", "ZHOU Jie", "zhou.jie@example.com", "M2022004402", target="IEng",
                     province="四川省机械工程学会", sector="IPlantE", employer="Chengdu Plant Hire Co., Ltd.",
                     employer_zh="成都设备租赁有限公司", university="Sichuan University", university_zh="四川大学")
WU_XIA = applicant("吴霞", "WU Xia", "wu.xia@example.com", "M2024005678", province="江苏省机械工程学会")
SUN_LI = applicant("孙丽", "SUN Li", "sun.li@example.com", "M2023008812")
MA_CHAO = applicant("马超", "MA Chao", "ma.chao@example.com", "M2021006634", target="IEng",
                    sector="IRTE", employer="Suzhou Jinlong Coach Co., Ltd.", employer_zh="苏州金龙客车有限公司")
ZHU_HONG = applicant("朱红", "ZHU Hong", "zhu.hong@example.com", "M2024003390", qualification="none",
                     senior="yes", employer="Xuzhou Construction Machinery Group", employer_zh="徐州工程机械集团")

GRADE_ZH = {"member": "会员", "senior_member": "高级会员", "associate_member": "仲会员"}
GRADE_EN = {"member": "Member", "senior_member": "Senior Member", "associate_member": "Associate Member"}
QUAL_ZH = {"mechanical_engineer": "机械工程师", "professional_engineer": "专业工程师", "none": "无"}
QUAL_EN = {"mechanical_engineer": "CMES Mechanical Engineer", "professional_engineer": "CMES Professional Engineer",
           "none": "none"}
TARGET_ZH = {"CEng": "特许工程师（CEng）", "IEng": "技术工程师（IEng）"}
TARGET_EN = {"CEng": "Chartered Engineer (CEng)", "IEng": "Incorporated Engineer (IEng)"}

# ---------------------------------------------------------------------------
# Document texts (seed annexes)
# ---------------------------------------------------------------------------

# Annex 5 — Chartered Engineer cross-reference table: (letter, number, statement).
CENG_COMPETENCES = [
    ("A", "1", "Maintain and extend a sound theoretical approach in enabling the introduction and "
               "exploitation of new and advancing technology"),
    ("", "2", "Engage in the creative and innovative development of engineering technology and "
              "continuous improvement"),
    ("B", "1", "Identify potential projects and opportunities"),
    ("", "2", "Conduct appropriate research and undertake design and development of engineering solutions"),
    ("", "3", "Implement design solutions and evaluate their effectiveness"),
    ("C", "1", "Plan for effective project implementation"),
    ("", "2", "Plan, budget, organise, direct and control tasks, people and resources"),
    ("", "3", "Lead teams and develop staff to meet changing technical and managerial needs"),
    ("", "4", "Bring about continuous improvement through quality management"),
    ("D", "1", "Communicate with others at all levels"),
    ("", "2", "Present and discuss proposals"),
    ("", "3", "Demonstrate personal and social skills"),
    ("E", "1", "Comply with the Codes and Rules of Conduct"),
    ("", "2", "Manage and apply safe systems of work"),
    ("", "3", "Undertake engineering activities in a way that contributes to sustainable development"),
    ("", "4", "Carry out the continuing professional development necessary to maintain and enhance "
              "competence in own area of practice"),
]

# Annex 6 — Incorporated Engineer cross-reference table.
IENG_COMPETENCES = [
    ("A", "1", "Maintain and extend a sound theoretical approach to the application of technology "
               "in engineering practice"),
    ("", "2", "Use a sound evidence based approach to problem solving and contribute to continuous improvement"),
    ("B", "1", "Identify, review and select techniques, procedures and methods to undertake engineering tasks"),
    ("", "2", "Contribute to the design and development of engineering solutions"),
    ("", "3", "Implement design solutions and contribute to their evaluation"),
    ("C", "1", "Plan for effective project implementation"),
    ("", "2", "Manage the planning, budgeting and organisation of tasks, people and resources"),
    ("", "3", "Manage teams and develop staff to meet changing technical and managerial needs"),
    ("", "4", "Manage continuous quality improvement"),
    ("D", "1", "Communicate with others at all levels"),
    ("", "2", "Present and discuss proposals"),
    ("", "3", "Demonstrate personal and social skills"),
    ("E", "1", "Comply with the Codes and Rules of Conduct"),
    ("", "2", "Manage and apply safe systems of work"),
    ("", "3", "Undertake engineering activities in a way that contributes to sustainable development"),
    ("", "4", "Carry out the continuing professional development necessary to maintain and enhance "
              "competence in own area of practice"),
]

XREF_HEADER = ["", "", "Competence", "Roles and Responsibilities", "Education Base",
               "Initial Professional Development", "Development Action Plan",
               "Illustrative sources of evidence"]

XREF_EVIDENCE = [
    ("Lead engineer, crane gearbox redesign", "B.Eng. mechanical engineering",
     "Graduate training scheme, design office", "Finite element analysis course",
     "Work experience report, section 2"),
    ("Project engineer, plant commissioning", "Engineering mechanics, machine design",
     "Site commissioning under supervision", "Project management certificate",
     "Project plans and progress reports"),
    ("Team leader of six engineers", "Quality engineering module",
     "ISO 9001 internal auditor training", "Leadership course",
     "Appraisal records, audit reports"),
    ("Technical presentations to clients", "Technical English",
     "Safety committee member", "CPD record, past three years",
     "Minutes, risk assessments, CPD record"),
]

CPD_COLUMNS_ZH = ["时间", "继续教育内容", "主办机构", "学时", "证明人"]
CPD_COLUMNS_EN = ["Date", "CPD Description", "Organizer", "CPD Claimed hours", "Initials of ES/RP"]

# (date, zh description, zh organizer, en description, en organizer, hours, witness zh, initials)
CPD_ENTRIES = [
    ("2024-03-16", "机械设计中的有限元分析应用研修班", "{province}",
     "Workshop: finite element analysis in machine design", "{province_en}", 16, "王建国", "W.J.G."),
    ("2024-09-21", "ISO 9001:2015 质量管理体系内审员培训", "中国质量认证中心",
     "ISO 9001:2015 quality management internal auditor course", "China Quality Certification Centre",
     24, "王建国", "W.J.G."),
    ("2025-04-12", "工业设备状态监测与故障诊断技术讲座", "中国机械工程学会设备与维修工程分会",
     "Lecture: condition monitoring and fault diagnosis of plant", "CMES Plant Maintenance Branch",
     8, "李明", "L.M."),
    ("2025-10-18", "智能制造与数字化工厂专题研讨会", "中国机械工程学会",
     "Seminar: smart manufacturing and the digital factory", "Chinese Mechanical Engineering Society",
     12, "李明", "L.M."),
    ("2026-05-09", "机械安全与风险评估培训（GB/T 15706）", "省安全生产科学研究院",
     "Machinery safety and risk assessment training (GB/T 15706)", "Provincial Institute of Work Safety",
     16, "李明", "L.M."),
    ("2026-09-26", "英语技术写作与专业沟通课程", "大学继续教育学院",
     "Course: technical writing and professional communication in English",
     "University School of Continuing Education", 20, "李明", "L.M."),
]

PROVINCE_EN = {
    "江苏省机械工程学会": "Jiangsu Mechanical Engineering Society",
    "广东省机械工程学会": "Guangdong Mechanical Engineering Society",
    "上海市机械工程学会": "Shanghai Mechanical Engineering Society",
    "浙江省机械工程学会": "Zhejiang Mechanical Engineering Society",
    "山东省机械工程学会": "Shandong Mechanical Engineering Society",
    "北京机械工程学会": "Beijing Mechanical Engineering Society",
    "湖北省机械工程学会": "Hubei Mechanical Engineering Society",
    "四川省机械工程学会": "Sichuan Mechanical Engineering Society",
}


def cpd_rows(app, lang, entries=None):
    """The CPD table (header first) in one language; hours stay numbers."""
    rows = [list(CPD_COLUMNS_ZH if lang == "zh" else CPD_COLUMNS_EN)]
    prov_en = PROVINCE_EN.get(app["province"], "Provincial Mechanical Engineering Society")
    for e in entries or CPD_ENTRIES:
        date, dzh, ozh, den, oen, hours, wzh, ini = e
        ozh = ozh.replace("{province}", app["province"])
        oen = oen.replace("{province_en}", prov_en)
        rows.append([date, dzh, ozh, hours, wzh] if lang == "zh" else [date, den, oen, hours, ini])
    return rows


def cpd_title(app, lang):
    if lang == "zh":
        return "附件三 继续专业发展纪录（中文）", "%s-过去三年的继续职业发展纪录" % app["name_zh"]
    return ("Annex 4 Continuous Professional Development Record (English)",
            "%s-Continuous Professional Development Record for past 3 years" % app["name_en"])


def application_form_lines(app, lang):
    t = app["target"]
    if lang == "zh":
        lines = [
            "附件二 会员申请表（中文）",
            "英国营运工程师学会会员申请表",
            "第一部分 个人资料",
            "姓名：%s    英文姓名：%s" % (app["name_zh"], app["name_en"]),
            "电子邮箱：%s" % app["email"],
            "中国机械工程学会会员编号：%s（%s）" % (app["cmes_no"], GRADE_ZH[app["cmes_grade"]]),
            "中国机械工程学会资格：%s" % QUAL_ZH[app["cmes_qualification"]],
            "申请SOE会员级别：%s" % GRADE_ZH[app["soe_grade"]],
            "申请英国工程委员会注册类别：%s" % TARGET_ZH[t],
            "推荐单位：%s" % app["province"],
            "第二部分 学历及资格",
            "2008年毕业于%s机械工程及自动化专业，获工学学士学位。" % app["university_zh"],
            "第三部分 工作单位",
            "工作单位：%s    职务：高级机械工程师" % app["employer_zh"],
            "第四部分 声明",
            "本人声明以上所填内容真实、完整，并同意遵守英国营运工程师学会的职业行为准则。",
            "申请人签署：%s    日期：2026年10月28日" % app["name_zh"],
        ]
    else:
        surname, _, given = app["name_en"].partition(" ")
        lines = [
            "Annex 1 Membership Application Form (English)",
            "Society of Operations Engineers - Application for Membership and Registration",
            "Part 1 Personal details",
            "Surname: %s    Forenames: %s" % (surname, given),
            "Email: %s" % app["email"],
            "CMES membership No.: %s (%s)" % (app["cmes_no"], GRADE_EN[app["cmes_grade"]]),
            "CMES qualification: %s" % QUAL_EN[app["cmes_qualification"]],
            "Grade of SOE membership applied for: %s" % GRADE_EN[app["soe_grade"]],
            "Engineering Council registration applied for: %s" % TARGET_EN[t],
            "Professional sector: %s" % (app["soe_sector"] or "not stated"),
            "Part 2 Education and qualifications",
            "B.Eng. Mechanical Engineering and Automation, %s, 2008" % app["university"],
            "Part 3 Employment",
            "Current employer: %s    Position: Senior Mechanical Engineer" % app["employer"],
            "Part 4 Declaration",
            "I declare that the information given in this application is true and complete, and I agree",
            "to abide by the Codes and Rules of Conduct of the Society.",
            "Signature: %s    Date: 28 October 2026" % app["name_en"],
        ]
    return lines


def work_report_lines(app):
    return [
        "Work Experience Report",
        "Applicant: %s, CMES membership No. %s" % (app["name_en"], app["cmes_no"]),
        "Registration applied for: %s" % TARGET_EN[app["target"]],
        "1. Education",
        "I graduated from %s in 2008 with a B.Eng. in mechanical engineering" % app["university"],
        "and automation, and hold the %s certificate." % QUAL_EN[app["cmes_qualification"]],
        "2. Career summary",
        "Since 2008 I have worked for %s, first as a design engineer," % app["employer"],
        "then as project engineer and, since 2019, as senior mechanical engineer leading a team",
        "of six engineers responsible for the design, commissioning and maintenance of heavy plant.",
        "3. Principal project",
        "From 2021 to 2023 I led the redesign of a 50 tonne crane slewing gearbox. I specified the",
        "load cases, carried out finite element analysis of the housing, selected bearings and seals,",
        "and supervised prototype testing. The new design reduced mass by 12 percent and warranty",
        "claims by a third.",
        "4. Management and quality",
        "I plan budgets and schedules for projects of up to 8 million yuan, lead weekly reviews, and",
        "act as ISO 9001 internal auditor for the engineering department.",
        "5. Safety and sustainability",
        "I carry out machinery risk assessments to GB/T 15706 and chair the plant safety committee.",
        "Energy use of our test rig was cut by 20 percent through regenerative load control.",
        "6. Professional development",
        "My CPD record for the past three years lists courses, seminars and lectures totalling",
        "96 hours. I intend to continue with courses in reliability engineering and management.",
        "I confirm that this report is my own work.",
        "Signature: %s    Date: 28 October 2026" % app["name_en"],
    ]


def endorsement_lines(app, lang):
    grade_zh = GRADE_ZH[app["cmes_grade"]]
    soe_zh = GRADE_ZH[app["soe_grade"]]
    if lang == "zh":  # annex 8, CMES-01C
        return [
            "附件八 CMES会员申请批注表（中文）",
            "CMES 会员申请批注表",
            "CMES 表格 - 01C",
            "会员申请表",
            "申请人依据英国营运工程师学会(SOE)与中国机械工程学会(CMES)的会员资质互认协议。",
            "本人现呈送申请书，请求批准为SOE %s，及申明本人为有效的CMES %s，" % (soe_zh, grade_zh),
            "并居住于英国或香港特别行政区以外的地区。有效CMES 会员编号：%s" % app["cmes_no"],
            "申请人签署：%s" % app["name_zh"],
            "日期：2026年10月28日",
            "CMES 审批：同意推荐",
            "(CMES 盖章)",
            "对申请SOE 会员的事项上，依据英国营运工程师学会(SOE)与中国机械工程学会(CMES)的会员资质互认协议，",
            "并居住于英国或香港特别行政区以外的地区的要求事宜。如果获取此会员资质互认协议通过合格批准，",
            "将会取得SOE 会员或仲会员的相关年费的折扣优惠。",
            "备注：此申请书必须与SOE 标准申请表、相关费用、相关证明文件，共同呈交。",
            "SOE-HK 审核专用栏",
        ]
    return [  # annex 7, CMES-01E
        "Annex 7 CMES Endorsement Form (English)",
        "CMES Endorsement Form",
        "Form CMES-01E",
        "Application Form",
        "For Applicants, those come from the Chinese Mechanical Engineering Society (CMES) under",
        "Reciprocal Recognition Agreement between SOE and CMES.",
        "I submit herewith my application as %s of SOE and declare that I am currently a %s of CMES"
        % (GRADE_EN[app["soe_grade"]].lower(), GRADE_EN[app["cmes_grade"]].lower()),
        "residing outside UK and Hong Kong. (Valid CMES Membership No.: %s)" % app["cmes_no"],
        "Applicant's Signature: %s    Date: 28 October 2026" % app["name_en"],
        "Support from CMES for this application: supported.",
        "(Authorized Signature of CMES)",
        "According to the Reciprocal Recognition Agreement between SOE and CMES, members of CMES residing",
        "outside UK or Hong Kong applying membership of SOE will receive a discount off the annual",
        "subscription fee of the SOE members as Members or Associate Members if admitted through the",
        "RRA system.",
        "Remarks: this application form must be submitted together with SOE standard application form,",
        "fees and associated documentary proof.",
        "FOR Endorsement of SOE-HK ONLY",
    ]


def xref_rows(variant):
    comps = CENG_COMPETENCES if variant == "CEng" else IENG_COMPETENCES
    rows = [list(XREF_HEADER)]
    for i, (letter, num, text) in enumerate(comps):
        ev = XREF_EVIDENCE[i % len(XREF_EVIDENCE)]
        rows.append([letter, num, text] + list(ev))
    return rows


def xref_title(variant):
    if variant == "CEng":
        return "Annex 5 Chartered Engineer (CEng) Cross-reference Table"
    return "Annex 6 Incorporated Engineer (IEng) Cross-reference Table"


# ---------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------

def _pdf_string(s):
    """A PDF string operand: literal for ASCII, else a UTF-16BE hex string with BOM."""
    s = s.replace("\u2019", "'")
    if all(32 <= ord(c) < 127 for c in s):
        return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<FEFF" + s.encode("utf-16-be").hex().upper() + ">"


def pdf_bytes(lines, *, encrypt=False, truncate=False, title="Document"):
    """A minimal valid PDF whose uncompressed content streams show each line
    with Tj, so that a text layer can be read. encrypt adds an /Encrypt
    dictionary to the trailer; truncate cuts the file before its xref and %%EOF."""
    per_page = 56
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    objs = {}
    n_pages = len(pages)
    page_ids = [5 + 2 * i for i in range(n_pages)]
    objs[1] = "<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % p for p in page_ids), n_pages)
    objs[3] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objs[4] = "<< /Title %s /Producer (packetd samples) /CreationDate (D:20261028093000+08'00') >>" % _pdf_string(title)
    for i, chunk in enumerate(pages):
        pid = page_ids[i]
        ops = ["BT", "/F1 11 Tf", "50 800 Td"]
        for line in chunk:
            ops.append("%s Tj" % _pdf_string(line))
            ops.append("0 -14 Td")
        ops.append("ET")
        stream = ("\n".join(ops) + "\n").encode("ascii")
        objs[pid] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                     "/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (pid + 1))
        objs[pid + 1] = stream
    enc_id = None
    if encrypt:
        enc_id = 5 + 2 * n_pages
        objs[enc_id] = ("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 "
                        "/O <%s> /U <%s> >>" % ("4E" * 32, "A7" * 32))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for oid in sorted(objs):
        offsets[oid] = out.tell()
        body = objs[oid]
        if isinstance(body, bytes):
            out.write(b"%d 0 obj\n<< /Length %d >>\nstream\n" % (oid, len(body)))
            out.write(body)
            out.write(b"endstream\nendobj\n")
        else:
            out.write(b"%d 0 obj\n" % oid + body.encode("ascii") + b"\nendobj\n")
    if truncate:
        data = out.getvalue()
        return data[: len(data) * 2 // 3]
    xref = out.tell()
    n = max(objs) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % n)
    for oid in range(1, n):
        out.write(b"%010d 00000 n \n" % offsets[oid])
    file_id = binascii.hexlify(zlib.crc32("\n".join(lines).encode()).to_bytes(4, "big") * 4).upper()
    trailer = b"<< /Size %d /Root 1 0 R /Info 4 0 R /ID [<%s> <%s>]" % (n, file_id, file_id)
    if enc_id:
        trailer += b" /Encrypt %d 0 R" % enc_id
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _w_run(text):
    return '<w:r><w:t xml:space="preserve">%s</w:t></w:r>' % escape(str(text))


def docx_bytes(paragraphs, table=None, after=()):
    """A minimal DOCX: paragraphs (w:p/w:r/w:t), then an optional table
    (w:tbl/w:tr/w:tc, rows of cell texts), then the after paragraphs."""
    body = []
    for p in paragraphs:
        body.append("<w:p>%s</w:p>" % _w_run(p))
    if table:
        body.append('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>')
        for row in table:
            body.append("<w:tr>")
            for cell in row:
                body.append("<w:tc><w:tcPr><w:tcW w:w=\"0\" w:type=\"auto\"/></w:tcPr>"
                            "<w:p>%s</w:p></w:tc>" % (_w_run(cell) if cell != "" else ""))
            body.append("</w:tr>")
        body.append("</w:tbl>")
    for p in after:
        body.append("<w:p>%s</w:p>" % _w_run(p))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body>%s<w:sectPr/></w:body></w:document>" % "".join(body))
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/word/document.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    return zip_bytes([Member("[Content_Types].xml", content_types.encode()),
                      Member("_rels/.rels", rels.encode()),
                      Member("word/document.xml", document.encode())])


def _col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx_bytes(rows, sheet="Sheet1"):
    """A minimal XLSX: one worksheet, text in shared strings, numbers as numbers."""
    strings, index = [], {}
    xml_rows = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            ref = "%s%d" % (_col(c), r)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append('<c r="%s"><v>%s</v></c>' % (ref, v))
            elif v != "" and v is not None:
                v = str(v)
                if v not in index:
                    index[v] = len(strings)
                    strings.append(v)
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, index[v]))
        xml_rows.append('<row r="%d">%s</row>' % (r, "".join(cells)))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet_xml = head + "<worksheet %s><sheetData>%s</sheetData></worksheet>" % (ns, "".join(xml_rows))
    sst = head + '<sst %s count="%d" uniqueCount="%d">%s</sst>' % (
        ns, len(strings), len(strings), "".join('<si><t xml:space="preserve">%s</t></si>' % escape(s) for s in strings))
    workbook = head + ('<workbook %s %s><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>'
                       % (ns, rel_ns, escape(sheet)))
    wb_rels = head + ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    rels = head + ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    ct = head + ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                 '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return zip_bytes([Member("[Content_Types].xml", ct.encode()), Member("_rels/.rels", rels.encode()),
                      Member("xl/workbook.xml", workbook.encode()),
                      Member("xl/_rels/workbook.xml.rels", wb_rels.encode()),
                      Member("xl/worksheets/sheet1.xml", sheet_xml.encode()),
                      Member("xl/sharedStrings.xml", sst.encode())])


def csv_bytes(rows, encoding="utf-8", bom=False):
    """CSV with CRLF line ends (as Excel writes it), fields quoted when needed."""
    out = []
    for row in rows:
        cells = []
        for v in row:
            v = str(v)
            if any(ch in v for ch in ',"\r\n'):
                v = '"' + v.replace('"', '""') + '"'
            cells.append(v)
        out.append(",".join(cells))
    data = ("\r\n".join(out) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def png_bytes(comment="scan"):
    """A valid 1x1 grey PNG carrying a tEXt comment (so scans differ)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"Comment\0" + comment.encode("ascii"))
            + chunk(b"IDAT", zlib.compress(b"\x00\xc0", 9)) + chunk(b"IEND", b""))


def jpeg_bytes(comment="scan"):
    """A valid baseline 8x8 grey JPEG (one flat block) with a COM segment."""
    def seg(marker, payload):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload
    com = comment.encode("ascii")[:200]
    out = b"\xff\xd8"
    out += seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += seg(0xFE, com)
    out += seg(0xDB, b"\x00" + b"\x01" * 64)
    out += seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
    out += seg(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")      # DC: one code "0" → category 0
    out += seg(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")      # AC: one code "0" → EOB
    out += seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    out += b"\x3f"                                                    # bits 0,0 then 1-padding
    return out + b"\xff\xd9"


# ---------------------------------------------------------------------------
# Archives
# ---------------------------------------------------------------------------

class Member:
    """One zip member. name is text (encoded with encoding) or raw bytes.
    utf8_flag: None sets general-purpose bit 11 when the encoded name is
    not ASCII and the encoding is UTF-8 (what zip tools do); True/False
    forces it (Chinese Windows: GBK bytes and no flag; macOS: UTF-8, no flag)."""

    def __init__(self, name, data=b"", *, encoding="utf-8", utf8_flag=None, mode=0o644,
                 is_dir=False, symlink=False):
        self.raw = name if isinstance(name, bytes) else name.encode(encoding)
        if is_dir and not self.raw.endswith(b"/"):
            self.raw += b"/"
        if utf8_flag is None:
            utf8_flag = encoding.lower().replace("-", "") == "utf8" and not self.raw.isascii()
        self.utf8_flag = utf8_flag
        self.data = data
        self.is_dir = is_dir
        self.symlink = symlink
        self.mode = 0o120777 if symlink else (0o40755 if is_dir else (0o100000 | mode))


def _dos_time(t):
    y, mo, d, h, mi, s = t
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def zip_bytes(members, *, sort=True):
    """A zip archive of members, written deterministically (fixed time,
    sorted names, raw deflate level 9). Names are written as given: this is
    how hostile archives (../, absolute paths, links) are made too."""
    items = sorted(members, key=lambda m: m.raw) if sort else list(members)
    out = io.BytesIO()
    central = []
    dtime, ddate = _dos_time(ZIP_TIME)
    for m in items:
        data = m.data
        crc = zlib.crc32(data) & 0xFFFFFFFF
        if m.is_dir or m.symlink or len(data) < 64:
            method, comp = 0, data
        else:
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            comp = co.compress(data) + co.flush()
            method = 8
            if len(comp) >= len(data):
                method, comp = 0, data
        flags = 0x800 if m.utf8_flag else 0
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, dtime, ddate,
                              crc, len(comp), len(data), len(m.raw), 0))
        out.write(m.raw)
        out.write(comp)
        ext = (m.mode << 16) | (0x10 if m.is_dir else 0)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags, method,
                                   dtime, ddate, crc, len(comp), len(data), len(m.raw), 0, 0, 0, 0,
                                   ext, offset) + m.raw)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(items), len(items), cd_size, cd_start, 0))
    return out.getvalue()


def targz_bytes(files):
    """A tar.gz of (name, data) pairs, deterministic (fixed mtime, root owner)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = TAR_MTIME
            ti.mode = 0o644
            ti.uname = ti.gname = "root"
            tar.addfile(ti, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=9, mtime=TAR_MTIME)


# ---------------------------------------------------------------------------
# Packets
# ---------------------------------------------------------------------------

# The required slots: (document, language), two copies each (SPEC section 3).
SLOTS = [("application_form", "zh"), ("application_form", "en"), ("cross_reference", "en"),
         ("cpd_record", "zh"), ("cpd_record", "en"), ("work_experience_report", "en"),
         ("cmes_endorsement", "zh"), ("cmes_endorsement", "en")]


def document_bytes(app, doc, lang, fmt, *, variant=None, text_lang=None, cpd_entries=None):
    """The bytes of one document in format fmt (pdf, docx, xlsx, csv).
    text_lang writes the text of another language (wrong-language defects);
    variant picks the cross-reference table (defaults to the target's)."""
    tl = text_lang or lang
    variant = variant or app["target"]
    if doc == "cross_reference":
        rows, title = xref_rows(variant), xref_title(variant)
        notes = ["Name: %s    CMES membership No.: %s" % (app["name_en"], app["cmes_no"])]
        if fmt == "docx":
            return docx_bytes([title] + notes, rows)
        if fmt == "xlsx":
            return xlsx_bytes([[title]] + rows, sheet="Cross-reference")
        if fmt == "csv":
            return csv_bytes(rows)
        return pdf_bytes([title] + notes + ["  ".join(c for c in r if c) for r in rows], title=title)
    if doc == "cpd_record":
        rows = cpd_rows(app, tl, cpd_entries)
        annex, title = cpd_title(app, tl)
        foot = ["ES = Engineering Supervisor, RP = Responsible Person"] if tl == "en" else []
        if fmt == "docx":
            return docx_bytes([annex, title], rows, foot)
        if fmt == "xlsx":
            return xlsx_bytes([[title]] + rows, sheet="CPD")
        if fmt == "csv":
            return csv_bytes(rows)
        return pdf_bytes([annex, title] + ["  ".join(str(c) for c in r) for r in rows] + foot, title=title)
    if doc == "application_form":
        lines = application_form_lines(app, tl)
    elif doc == "work_experience_report":
        lines = work_report_lines(app) if tl == "en" else [
            "工作经历报告", "申请人：%s" % app["name_zh"],
            "本人2008年毕业于%s，此后一直在%s从事机械设计、调试和维修工作。" % (app["university_zh"], app["employer_zh"]),
            "2021年至2023年主持起重机回转减速器的改进设计，完成有限元分析和样机试验。",
            "本人负责项目预算和进度计划，担任质量管理体系内审员，并主持设备安全委员会的工作。"]
    elif doc == "cmes_endorsement":
        lines = endorsement_lines(app, tl)
    else:
        raise ValueError(doc)
    if fmt == "docx":
        return docx_bytes(lines)
    if fmt == "pdf":
        return pdf_bytes(lines, title=lines[0] if tl == "en" else doc)
    raise ValueError(fmt)


def manifest_ini(app, files=None, *, encoding="utf-8", omit=(), extra=None):
    """manifest.ini text for app: every field with a short comment, then an
    optional [files] section (list of (name, document, language, copy))."""
    comments = {
        "cmes_no": "CMES membership number", "cmes_grade": "member | senior_member",
        "cmes_qualification": "mechanical_engineer | professional_engineer | none",
        "senior_engineer": "yes: recognised senior engineer (CEng only)",
        "target": "CEng | IEng", "soe_grade": "member | associate_member",
        "province": "recommending provincial society", "soe_sector": "IRTE | IPlantE | BES",
    }
    lines = ["; manifest.ini - CMES-SOE reciprocal recognition application packet", "[applicant]"]
    values = dict(app)
    values.update(extra or {})
    for f in FIELDS:
        if f in omit or not values.get(f):
            continue
        line = "%s = %s" % (f, values[f])
        if f in comments:
            line = "%-40s ; %s" % (line, comments[f])
        lines.append(line)
    if files:
        lines += ["", "[files]", "; file = document, language, copy"]
        for name, doc, lang, copy in files:
            lines.append("%s = %s, %s, %d" % (name, doc, lang, copy))
    text = "\r\n".join(lines) + "\r\n"
    return text.encode(encoding)


# Default formats per slot and the file-name scheme of the complete CEng sample.
DEFAULT_FORMATS = {
    ("application_form", "zh"): "docx", ("application_form", "en"): "pdf",
    ("cross_reference", "en"): "docx", ("cpd_record", "zh"): "xlsx", ("cpd_record", "en"): "csv",
    ("work_experience_report", "en"): "pdf", ("cmes_endorsement", "zh"): "pdf",
    ("cmes_endorsement", "en"): "pdf",
}

NAMES_DEFAULT = {
    ("application_form", "zh"): ("会员申请表-中文-1", "会员申请表-中文-2"),
    ("application_form", "en"): ("Application Form-English-1", "Application Form-English-2"),
    ("cross_reference", "en"): ("交叉对照表格-{target}-1", "Cross-reference {target} copy"),
    ("cpd_record", "zh"): ("CPD记录-中文-1", "CPD记录-中文-2"),
    ("cpd_record", "en"): ("CPD Record-English-1", "CPD Record-English-2"),
    ("work_experience_report", "en"): ("Work Experience Report-1", "Work Experience Report-2"),
    ("cmes_endorsement", "zh"): ("CMES-01C 会员申请批注表-中文-1", "CMES-01C 会员申请批注表-中文-2"),
    ("cmes_endorsement", "en"): ("CMES-01E Endorsement Form-English-1", "CMES-01E Endorsement Form-English-2"),
}

# How a packet made on Chinese Windows tends to be named: copy 2 marked 副本.
NAMES_WINDOWS = {
    ("application_form", "zh"): ("会员申请表（中文）", "会员申请表（中文）副本"),
    ("application_form", "en"): ("会员申请表（英文）", "会员申请表（英文）副本"),
    ("cross_reference", "en"): ("交叉对照表格（{target}）", "交叉对照表格（{target}）副本"),
    ("cpd_record", "zh"): ("继续专业发展纪录（中文）", "继续专业发展纪录（中文）副本"),
    ("cpd_record", "en"): ("继续专业发展纪录（英文）", "继续专业发展纪录（英文）副本"),
    ("work_experience_report", "en"): ("工作经历报告", "工作经历报告 副本"),
    ("cmes_endorsement", "zh"): ("CMES-01C 批注表（中文）", "CMES-01C 批注表（中文）副本"),
    ("cmes_endorsement", "en"): ("CMES-01E 批注表（英文）", "CMES-01E 批注表（英文）副本"),
}


def packet_files(app, *, names=None, formats=None, variant=None, overrides=None, drop=()):
    """The 16 document files of a packet as a list of dicts
    {doc, lang, copy, name, data}. Both copies of a slot are byte-identical.
    overrides maps (doc, lang, copy) → dict replacing name and/or data;
    drop lists (doc, lang, copy) to leave out."""
    names = names or NAMES_DEFAULT
    formats = {**DEFAULT_FORMATS, **(formats or {})}
    out = []
    for doc, lang in SLOTS:
        fmt = formats[(doc, lang)]
        data = document_bytes(app, doc, lang, fmt, variant=variant)
        for copy in (1, 2):
            if (doc, lang, copy) in drop:
                continue
            base = names[(doc, lang)][copy - 1].format(target=app["target"], name=app["name_zh"])
            f = {"doc": doc, "lang": lang, "copy": copy, "name": "%s.%s" % (base, fmt), "data": data}
            f.update((overrides or {}).get((doc, lang, copy), {}))
            out.append(f)
    return out


def packet_members(files, *, manifest=None, wrapper=None, encoding="utf-8", utf8_flag=None,
                   dir_entries=True, extra=()):
    """Zip members for files (from packet_files) plus manifest.ini bytes,
    inside an optional wrapper folder, names encoded with encoding."""
    prefix = (wrapper.rstrip("/") + "/") if wrapper else ""
    members = []
    if wrapper and dir_entries:
        members.append(Member(prefix, is_dir=True, encoding=encoding, utf8_flag=utf8_flag))
    for f in files:
        members.append(Member(prefix + f["name"], f["data"], encoding=encoding, utf8_flag=utf8_flag))
    if manifest is not None:
        members.append(Member(prefix + "manifest.ini", manifest, encoding=encoding, utf8_flag=utf8_flag))
    members.extend(extra)
    return members


def mac_junk(wrapper, files):
    """What macOS Archive Utility adds: .DS_Store and __MACOSX/ AppleDouble files."""
    appledouble = (b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x01\x00\x00\x00\x09"
                   b"\x00\x00\x00\x32\x00\x00\x0e\xb0\x00\x02\x00\x00\x00\x00" + b"\x00" * 32)
    junk = [Member(wrapper + "/.DS_Store", b"\x00\x00\x00\x01Bud1" + b"\x00" * 60, utf8_flag=False),
            Member("__MACOSX/", is_dir=True), Member("__MACOSX/" + wrapper + "/", is_dir=True, utf8_flag=False),
            Member("__MACOSX/" + wrapper + "/._.DS_Store", appledouble, utf8_flag=False)]
    for f in files[:4]:
        junk.append(Member("__MACOSX/%s/._%s" % (wrapper, f["name"]), appledouble, utf8_flag=False))
    return junk


def complete_ceng_files(app):
    return packet_files(app)


# ---------------------------------------------------------------------------
# Mail
# ---------------------------------------------------------------------------

MAIL_DATE = "Mon, 02 Nov 2026 %02d:%02d:00 +0800"


def _b64(data):
    s = base64.b64encode(data)
    return b"\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def _enc(s):
    return Header(s, "utf-8").encode() if not s.isascii() else s


def _addr(name, addr):
    return "%s <%s>" % (_enc(name), addr) if name else "<%s>" % addr


def text_part(text, charset="utf-8"):
    return (b"Content-Type: text/plain; charset=" + charset.upper().encode() +
            b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + _b64(text.encode(charset)) + b"\r\n")


def zip_part(data, filename, style):
    """An attachment part. style: rfc2231 (filename*=UTF-8''...), rfc2047
    (=?GB2312?B?...?=, as Foxmail writes), gbk-raw (8-bit GBK bytes in the
    quoted filename, as old Chinese clients do) or ascii."""
    if style == "rfc2231":
        head = ("Content-Type: application/zip; name=\"%s\"\r\n"
                "Content-Disposition: attachment;\r\n filename*=UTF-8''%s\r\n"
                % (Header(filename, "utf-8").encode(), quote(filename, safe=""))).encode()
    elif style == "rfc2047":
        ew = "=?GB2312?B?%s?=" % base64.b64encode(filename.encode("gb2312")).decode()
        head = ("Content-Type: application/octet-stream; name=\"%s\"\r\n"
                "Content-Disposition: attachment; filename=\"%s\"\r\n" % (ew, ew)).encode()
    elif style == "gbk-raw":
        raw = filename.encode("gbk")
        head = (b"Content-Type: application/x-zip-compressed; name=\"" + raw + b"\"\r\n"
                b"Content-Disposition: attachment; filename=\"" + raw + b"\"\r\n")
    else:
        head = ("Content-Type: application/zip; name=\"%s\"\r\n"
                "Content-Disposition: attachment; filename=\"%s\"\r\n" % (filename, filename)).encode()
    return head + b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64(data) + b"\r\n"


def multipart(parts, boundary, subtype="mixed", params=""):
    out = b""
    for p in parts:
        out += b"--" + boundary.encode() + b"\r\n" + p
    out += b"--" + boundary.encode() + b"--\r\n"
    head = ("Content-Type: multipart/%s;%s\r\n boundary=\"%s\"\r\n\r\n" % (subtype, params, boundary)).encode()
    return head + b"This is a multi-part message in MIME format.\r\n" + out


def message(headers, body):
    """headers: list of (name, value) (value str or raw bytes); body: bytes
    starting with its own Content-Type header block."""
    out = b""
    for k, v in headers:
        out += k.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) + b"\r\n"
    return out + b"MIME-Version: 1.0\r\n" + body


def applicant_mail(app, packet, filename, style, *, minute, tag, body_charset="utf-8", subject=None):
    subj = subject or "%s application / %s / CMES %s" % (app["target"], app["name_zh"], app["cmes_no"])
    text = ("您好！\r\n\r\n附件是我申请英国营运工程师学会%s的申请材料，请查收。\r\n\r\n%s\r\n%s\r\n\r\n"
            "Dear Sir or Madam,\r\n\r\nPlease find attached my application packet for %s.\r\n\r\n"
            "Best regards,\r\n%s\r\n" % (TARGET_ZH[app["target"]], app["name_zh"], app["email"],
                                          TARGET_EN[app["target"]], app["name_en"]))
    if body_charset.lower() == "gbk":
        subj_h = b"=?GBK?B?" + base64.b64encode(subj.encode("gbk")) + b"?="
        from_h = b"=?GBK?B?" + base64.b64encode(app["name_zh"].encode("gbk")) + b"?= <" + app["email"].encode() + b">"
    else:
        subj_h, from_h = _enc(subj), _addr(app["name_zh"], app["email"])
    headers = [("Return-Path", "<%s>" % app["email"]), ("From", from_h), ("To", INTAKE),
               ("Subject", subj_h), ("Date", MAIL_DATE % (9, minute)),
               ("Message-ID", "<20261102.%s@mail.example.com>" % tag)]
    body = multipart([text_part(text, body_charset), zip_part(packet, filename, style)],
                     "----=_Part_%s" % tag)
    return message(headers, body)


def build_mail(out, packets):
    """Example messages to the intake address (SPEC sections 2 and 6)."""
    os.makedirs(out, exist_ok=True)
    mails = {}
    plan = [  # (file, packet, applicant, attachment name, filename style, extra)
        ("01-ceng-complete.eml", "ceng-complete.zip", ZHANG_WEI, "张伟-CEng申请材料.zip", "rfc2231", {}),
        ("02-ieng-complete-gbk.eml", "ieng-complete-gbk.zip", LI_NA, "李娜-IEng申请材料.zip", "rfc2047", {}),
        ("03-incomplete-missing-copy.eml", "incomplete-missing-copy.zip", WANG_FANG, "王芳申请材料.zip", "rfc2231", {}),
        ("04-incomplete-wrong-language.eml", "incomplete-wrong-language.zip", LIU_YANG, "刘洋申请材料.zip",
         "gbk-raw", {"body_charset": "gbk"}),
        ("05-incomplete-wrong-variant.eml", "incomplete-wrong-variant.zip", CHEN_JING, "chen-jing-ceng.zip",
         "ascii", {}),
        ("06-scanner-manifest-complete.eml", "scanner-manifest-complete.zip", YANG_LEI, "扫描件 杨磊.zip",
         "rfc2231", {}),
        ("08-incomplete-not-eligible.eml", "incomplete-not-eligible.zip", HUANG_YONG, "黄勇-申请.zip", "rfc2231", {}),
        ("09-incomplete-fake-pdf.eml", "incomplete-fake-pdf.zip", ZHOU_JIE, "周杰 IEng.zip", "rfc2231", {}),
        ("10-incomplete-no-manifest.eml", "incomplete-no-manifest.zip", WU_XIA, "吴霞-CEng.zip", "rfc2231", {}),
    ]
    for i, (fname, pkt, app, att, style, kw) in enumerate(plan):
        tag = fname.split("-", 1)[1].rsplit(".", 1)[0]
        mails[fname] = applicant_mail(app, packets[pkt], att, style, minute=i * 3, tag=tag, **kw)

    # 07: forwarded — the applicant forwards her earlier message (message/rfc822).
    orig = applicant_mail(ZHAO_MIN, packets["mac-wrapped-complete.zip"], "赵敏申请材料.zip", "rfc2231",
                          minute=1, tag="mac-wrapped-original")
    orig = orig.replace(b"Return-Path: <zhao.min@example.com>\r\n", b"")
    orig = orig.replace(b"To: " + INTAKE.encode(), b"To: zhao.min@work.example.com")
    fwd_text = ("转发：我的申请材料（从个人邮箱转发）。\r\n\r\nForwarded: my application packet, sent from my own "
                "mailbox.\r\n\r\n%s / %s\r\n" % (ZHAO_MIN["name_zh"], ZHAO_MIN["name_en"]))
    mails["07-forwarded-mac-wrapped.eml"] = message(
        [("Return-Path", "<zhao.min@example.com>"), ("From", _addr("赵敏", "zhao.min@example.com")), ("To", INTAKE),
         ("Subject", _enc("Fwd: CEng application / 赵敏 / CMES " + ZHAO_MIN["cmes_no"])),
         ("Date", MAIL_DATE % (10, 5)), ("Message-ID", "<20261102.forwarded@mail.example.com>")],
        multipart([text_part(fwd_text),
                   b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + orig + b"\r\n"],
                  "----=_Part_forwarded"))

    # 11: no attachment.
    mails["11-no-attachment.eml"] = message(
        [("Return-Path", "<sun.li@example.com>"), ("From", _addr("孙丽", "sun.li@example.com")), ("To", INTAKE),
         ("Subject", _enc("咨询：CEng申请材料如何提交 / How do I submit my CEng application?")),
         ("Date", MAIL_DATE % (10, 20)), ("Message-ID", "<20261102.no-attachment@mail.example.com>")],
        text_part("您好，请问申请材料需要通过省学会提交吗？\r\n\r\nHello, do I submit my packet through the "
                  "provincial society?\r\n\r\n孙丽 SUN Li\r\n"))

    # 12: an auto-reply (RFC 3834) — never answered.
    mails["12-auto-reply.eml"] = message(
        [("Return-Path", "<zhang.wei@example.com>"), ("From", _addr("张伟", "zhang.wei@example.com")), ("To", INTAKE),
         ("Subject", _enc("自动回复：申请已收到 / Auto: I am out of the office")),
         ("Date", MAIL_DATE % (10, 30)), ("Message-ID", "<20261102.auto-reply@mail.example.com>"),
         ("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"),
         ("In-Reply-To", "<RRA-2026-000001.ack@cmes.example>")],
        text_part("我正在休假，11月9日返回。\r\nI am on leave until 9 November.\r\n"))

    # 13: a bounce (null return path, DSN) — never answered.
    dsn = ("Reporting-MTA: dns; mx.example.com\r\nArrival-Date: Mon, 02 Nov 2026 10:40:00 +0800\r\n\r\n"
           "Final-Recipient: rfc822; li.na@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
           "Diagnostic-Code: smtp; 550 5.1.1 <li.na@example.com>: Recipient address rejected\r\n")
    orig_headers = ("From: rra@cmes.example\r\nTo: li.na@example.com\r\n"
                    "Subject: RRA-2026-000002\r\nMessage-ID: <RRA-2026-000002.ack@cmes.example>\r\n")
    mails["13-bounce.eml"] = message(
        [("Return-Path", "<>"), ("From", "Mail Delivery System <MAILER-DAEMON@mx.example.com>"), ("To", INTAKE),
         ("Subject", "Undelivered Mail Returned to Sender"), ("Date", MAIL_DATE % (10, 41)),
         ("Message-ID", "<20261102.bounce@mx.example.com>"), ("Auto-Submitted", "auto-replied")],
        multipart([b"Content-Type: text/plain; charset=us-ascii\r\n\r\nYour message could not be delivered to "
                   b"li.na@example.com.\r\n",
                   b"Content-Type: message/delivery-status\r\n\r\n" + dsn.encode() + b"\r\n",
                   b"Content-Type: text/rfc822-headers\r\n\r\n" + orig_headers.encode() + b"\r\n"],
                  "----=_Part_bounce", "report", " report-type=delivery-status;"))

    # 14: a hostile archive from an unknown sender — rejected, nothing trusted.
    mails["14-hostile-traversal.eml"] = applicant_mail(
        applicant("", "", "unknown@example.net", ""), packets["hostile/traversal.zip"], "documents.zip", "ascii",
        minute=50, tag="hostile-traversal", subject="application")
    for name, data in mails.items():
        _write(os.path.join(out, name), data)


# ---------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------

def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def build_packets():
    """All sample packets: {relative name: zip bytes}."""
    p = {}
    # The complete CEng packet, UTF-8 names with the flag set.
    files = packet_files(ZHANG_WEI)
    p["ceng-complete.zip"] = zip_bytes(packet_members(files, manifest=manifest_ini(ZHANG_WEI)))

    # Made on Chinese Windows: GBK names without the UTF-8 flag, a wrapper folder, GBK manifest.
    files = packet_files(LI_NA, names=NAMES_WINDOWS,
                         formats={("application_form", "zh"): "pdf", ("cpd_record", "en"): "xlsx",
                                  ("work_experience_report", "en"): "docx"})
    p["ieng-complete-gbk.zip"] = zip_bytes(packet_members(
        files, manifest=manifest_ini(LI_NA, encoding="gbk"), wrapper="申请材料", encoding="gbk", utf8_flag=False))

    files = packet_files(WANG_FANG, drop=[("application_form", "en", 2)])
    p["incomplete-missing-copy.zip"] = zip_bytes(packet_members(files, manifest=manifest_ini(WANG_FANG)))

    wrong = document_bytes(LIU_YANG, "application_form", "zh", "docx", text_lang="en")
    files = packet_files(LIU_YANG, overrides={("application_form", "zh", c): {"data": wrong} for c in (1, 2)})
    p["incomplete-wrong-language.zip"] = zip_bytes(packet_members(files, manifest=manifest_ini(LIU_YANG)))

    files = packet_files(CHEN_JING, variant="IEng")
    p["incomplete-wrong-variant.zip"] = zip_bytes(packet_members(files, manifest=manifest_ini(CHEN_JING)))

    p["scanner-manifest-complete.zip"] = scanner_packet(YANG_LEI)

    files = packet_files(ZHAO_MIN)
    wrapper = "赵敏-申请材料"
    p["mac-wrapped-complete.zip"] = zip_bytes(packet_members(
        files, manifest=manifest_ini(ZHAO_MIN), wrapper=wrapper, utf8_flag=False,
        extra=mac_junk(wrapper, files)))

    files = packet_files(HUANG_YONG)
    p["incomplete-not-eligible.zip"] = zip_bytes(packet_members(files, manifest=manifest_ini(HUANG_YONG)))

    fake = png_bytes("work experience report scan")
    files = packet_files(ZHOU_JIE, overrides={("work_experience_report", "en", c): {"data": fake} for c in (1, 2)})
    p["incomplete-fake-pdf.zip"] = zip_bytes(packet_members(files, manifest=manifest_ini(ZHOU_JIE)))

    p["incomplete-no-manifest.zip"] = zip_bytes(packet_members(packet_files(WU_XIA)))
    return p


def scanner_packet(app, *, manifest_encoding="utf-8"):
    """Scans named IMG_0001.jpg ... that only the manifest's [files] maps."""
    files, mapping, n = [], [], 1
    for doc, lang in SLOTS:
        scan = jpeg_bytes("scan of %s %s" % (doc, lang))
        for copy in (1, 2):
            name = "IMG_%04d.jpg" % n
            n += 1
            files.append({"doc": doc, "lang": lang, "copy": copy, "name": name, "data": scan})
            mapping.append((name, doc, lang, copy))
    return zip_bytes(packet_members(files, manifest=manifest_ini(app, mapping, encoding=manifest_encoding)))


def build_hostile():
    h = {}
    h["traversal.zip"] = zip_bytes([Member("manifest.ini", b"[applicant]\r\nname_en = X\r\n"),
                                    Member("../../evil.txt", b"written outside the work folder\n")])
    h["symlink.zip"] = zip_bytes([Member("Application Form-English-1.pdf", b"/etc/passwd", symlink=True),
                                  Member("Work Experience Report-1.pdf", pdf_bytes(["Work Experience Report"]))])
    h["notazip.zip"] = ("这不是压缩文件。This is not a zip archive, just text with a .zip name.\n"
                        "申请材料请另行发送。\n").encode("utf-8")
    return h


BATCH_ROWS = [(SUN_LI, "孙丽-CEng.zip"), (MA_CHAO, "马超-IEng"), (ZHU_HONG, "朱红-CEng.zip")]


def build_batch():
    """A provincial batch: batch.csv (UTF-8 with BOM) and three packets —
    two zips and one folder; 朱红's lacks the English CPD record."""
    rows = [FIELDS + ["packet"]]
    for app, pkt in BATCH_ROWS:
        rows.append([app[f] for f in FIELDS] + [pkt])
    members = [Member("batch.csv", csv_bytes(rows, bom=True))]
    members.append(Member("孙丽-CEng.zip", zip_bytes(packet_members(packet_files(SUN_LI)))))
    members.append(Member("马超-IEng/", is_dir=True))
    for f in packet_files(MA_CHAO):
        members.append(Member("马超-IEng/" + f["name"], f["data"]))
    files = packet_files(ZHU_HONG, drop=[("cpd_record", "en", 1), ("cpd_record", "en", 2)])
    members.append(Member("朱红-CEng.zip", zip_bytes(packet_members(files))))
    return zip_bytes(members)


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    packets = build_packets()
    for name, data in packets.items():
        _write(os.path.join(out, "packets", name), data)
    hostile = build_hostile()
    for name, data in hostile.items():
        _write(os.path.join(out, "hostile", name), data)
    packets.update(("hostile/" + k, v) for k, v in hostile.items())
    build_mail(os.path.join(out, "mail"), packets)
    _write(os.path.join(out, "batches", "jiangsu-2026-11.zip"), build_batch())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
