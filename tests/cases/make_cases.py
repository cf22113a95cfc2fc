#!/usr/bin/env python3
"""make_cases.py — writes the data-driven corpus for `packetd validate --json`.

Usage: python3 tests/cases/make_cases.py [OUTDIR]    (default: this folder)

Each case is an input (OUTDIR/<case>.zip, .tar.gz, ...) and OUTDIR/<case>.expect,
read by tests/e2e/validate_cases.sh. Lines of an .expect file ("#" starts a comment):

  target CEng                     passed to validate as --target
  outcome incomplete              complete | incomplete | rejected (also sets the exit status: 0 | 1 | 2)
  finding CODE DOC LANG [SEV]     a finding that must be present; DOC/LANG are codes,
                                  "-" for null, "*" for any; SEV error | warning | info
  nofinding CODE                  a code that must not be present
  document DOC LANG N             the checklist lists N copies found for (DOC, LANG)
  applicant FIELD VALUE           the applicant's manifest field, as decoded
  file NAME                       a document file listed with this original name (rest of the line)

The cases use applicants and file names of their own, different from samples/;
the generators come from samples/make_samples.py. Output is deterministic.
"""

import os
import sys

sys.dont_write_bytecode = True  # keep samples/ free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "samples"))

import make_samples as ms  # noqa: E402
from make_samples import Member, applicant, packet_files, packet_members, zip_bytes, manifest_ini  # noqa: E402

# File names in a style of their own: underscores, _EN/_中文 markers, numbered copies.
NAMES_CASES = {
    ("application_form", "zh"): ("申请表_中文_1", "申请表_中文_2"),
    ("application_form", "en"): ("SOE application form_EN_1", "SOE application form_EN_2"),
    ("cross_reference", "en"): ("Cross reference table_1", "Cross reference table_2"),
    ("cpd_record", "zh"): ("继续教育记录_中文_1", "继续教育记录_中文_2"),
    ("cpd_record", "en"): ("CPD record_EN_1", "CPD record_EN_2"),
    ("work_experience_report", "en"): ("Work experience_1", "Work experience_2"),
    ("cmes_endorsement", "zh"): ("批注表_中文_1", "批注表_中文_2"),
    ("cmes_endorsement", "en"): ("Endorsement form_EN_1", "Endorsement form_EN_2"),
}

# Names that carry the annex number instead of a language marker.
NAMES_ANNEX = {
    ("application_form", "zh"): ("附件二 会员申请表", "附件二 会员申请表 副本"),
    ("application_form", "en"): ("附件一 Application Form", "附件一 Application Form copy"),
    ("cross_reference", "en"): ("附件五 交叉对照表格", "附件五 交叉对照表格 副本"),
    ("cpd_record", "zh"): ("附件三 继续专业发展纪录", "附件三 继续专业发展纪录 副本"),
    ("cpd_record", "en"): ("Annex 4 CPD Record", "Annex 4 CPD Record copy"),
    ("work_experience_report", "en"): ("Work Experience Report", "Work Experience Report copy"),
    ("cmes_endorsement", "zh"): ("附件八 批注表 CMES-01C", "附件八 批注表 CMES-01C 副本"),
    ("cmes_endorsement", "en"): ("Annex 7 Endorsement CMES-01E", "Annex 7 Endorsement CMES-01E copy"),
}

FORMATS_CASES = {("application_form", "zh"): "pdf", ("cross_reference", "en"): "xlsx",
                 ("cpd_record", "en"): "xlsx", ("work_experience_report", "en"): "docx"}

_seq = [0]


def app(name_zh, name_en, **kw):
    """A case applicant with its own CMES number (T-series, never a sample's)."""
    _seq[0] += 1
    email = name_en.lower().replace(" ", ".") + "@example.org"
    return applicant(name_zh, name_en, email, "T2025%06d" % (100 + _seq[0]), **kw)


def files(a, **kw):
    kw.setdefault("names", NAMES_CASES)
    kw["formats"] = {**FORMATS_CASES, **kw.get("formats", {})}
    return packet_files(a, **kw)


def pz(a, fl, **kw):
    """A zip of files fl with a's manifest (manifest=False: none)."""
    man = kw.pop("manifest", None)
    if man is None:
        man = manifest_ini(a)
    elif man is False:
        man = None
    return zip_bytes(packet_members(fl, manifest=man, **kw))


ALL_DOCS = ["document %s %s 2" % slot for slot in ms.SLOTS]


def slot_override(doc, lang, data, copies=(1, 2)):
    return {(doc, lang, c): {"data": data} for c in copies}


def cases():
    """Yields (name, extension, bytes, expect lines)."""
    # --- complete packets -------------------------------------------------
    a = app("郑凯", "ZHENG Kai", province="江苏省机械工程学会")
    yield "ceng-complete", "zip", pz(a, files(a)), [
        "outcome complete", *ALL_DOCS, "applicant name_zh 郑凯", "applicant cmes_no %s" % a["cmes_no"],
        "file 申请表_中文_1.pdf", "file Cross reference table_2.xlsx",
        "nofinding missing_copies", "nofinding language_mismatch", "nofinding cross_reference_variant",
        "nofinding unrecognised_file"]

    a = app("何静", "HE Jing", target="IEng", province="广东省机械工程学会", sector="IRTE")
    fl = files(a, names=ms.NAMES_WINDOWS)
    yield "ieng-gbk-names-complete", "zip", pz(a, fl, encoding="gbk", utf8_flag=False), [
        "outcome complete", *ALL_DOCS, "file 会员申请表（中文）.pdf", "file 工作经历报告 副本.docx",
        "file CMES-01E 批注表（英文）副本.pdf", "nofinding unrecognised_file"]

    a = app("罗斌", "LUO Bin", target="IEng", province="福建省机械工程学会")
    fl = files(a, names=ms.NAMES_WINDOWS)
    wrapper = "罗斌 申请材料"
    junk = [Member("__MACOSX/", is_dir=True),
            Member("__MACOSX/%s/._%s" % (wrapper, fl[0]["name"]), b"\x00\x05\x16\x07" + b"\x00" * 40,
                   encoding="gbk", utf8_flag=False),
            Member("%s/.DS_Store" % wrapper, b"\x00\x00\x00\x01Bud1" + b"\x00" * 40, encoding="gbk", utf8_flag=False),
            Member("%s/Thumbs.db" % wrapper, b"\xd0\xcf\x11\xe0" + b"\x00" * 40, encoding="gbk", utf8_flag=False)]
    yield "gbk-wrapper-macosx-complete", "zip", pz(a, fl, encoding="gbk", utf8_flag=False, wrapper=wrapper,
                                                     extra=junk), [
        "outcome complete", *ALL_DOCS, "file 会员申请表（英文）副本.pdf", "applicant name_zh 罗斌",
        "nofinding unrecognised_file"]

    a = app("谢芳", "XIE Fang", target="IEng", soe_grade="associate_member")
    yield "scanner-manifest-complete", "zip", ms.scanner_packet(a), [
        "outcome complete", *ALL_DOCS, "file IMG_0001.jpg", "file IMG_0016.jpg", "nofinding unrecognised_file"]

    a = app("韩雪", "HAN Xue", province="辽宁省机械工程学会")
    yield "manifest-gbk-complete", "zip", pz(a, files(a), manifest=manifest_ini(a, encoding="gbk")), [
        "outcome complete", "applicant name_zh 韩雪", "applicant province 辽宁省机械工程学会",
        "nofinding manifest_field_missing"]

    a = app("唐亮", "TANG Liang", target="IEng")
    fl = files(a, names=ms.NAMES_DEFAULT)
    yield "targz-complete", "tar.gz", ms.targz_bytes([(f["name"], f["data"]) for f in fl]
                                                     + [("manifest.ini", manifest_ini(a))]), [
        "outcome complete", *ALL_DOCS, "file CPD记录-中文-2.xlsx"]

    a = app("冯涛", "FENG Tao")
    fl = files(a, names=NAMES_ANNEX, formats={("cpd_record", "en"): "csv", ("cross_reference", "en"): "pdf"})
    yield "annex-names-complete", "zip", pz(a, fl), ["outcome complete", *ALL_DOCS]

    a = app("曹阳", "CAO Yang", target="IEng")
    fl = files(a, formats={k: "docx" for k in ms.SLOTS})
    yield "all-docx-complete", "zip", pz(a, fl), ["outcome complete", *ALL_DOCS, "nofinding language_mismatch"]

    a = app("许晴", "XU Qing")
    fl = files(a) + [{"doc": None, "lang": None, "copy": 0, "name": "Passport photo.jpg",
                      "data": ms.jpeg_bytes("passport photo")}]
    yield "extra-file-complete", "zip", pz(a, fl), [
        "outcome complete", "finding unrecognised_file - - warning", *ALL_DOCS]

    a = app("邓宇", "DENG Yu")
    fl = files(a)
    for f in fl:
        if (f["doc"], f["lang"], f["copy"]) == ("application_form", "en", 2):
            f["data"] = ms.pdf_bytes(ms.application_form_lines(a, "en") + ["Amended on 30 October 2026"])
    yield "copies-differ-complete", "zip", pz(a, fl), [
        "outcome complete", "finding copies_differ application_form en warning", "document application_form en 2"]

    # --- one copy instead of two, a language missing ----------------------
    people = [("彭丽", "PENG Li"), ("蒋华", "JIANG Hua"), ("蔡明", "CAI Ming"), ("贾强", "JIA Qiang"),
              ("丁玲", "DING Ling")]
    for (zh, en), (doc, lang) in zip(people, [("application_form", "en"), ("cross_reference", "en"),
                                             ("cpd_record", "zh"), ("work_experience_report", "en"),
                                             ("cmes_endorsement", "zh")]):
        a = app(zh, en)
        yield "one-copy-%s-%s" % (doc.replace("_", "-"), lang), "zip", pz(a, files(a, drop=[(doc, lang, 2)])), [
            "outcome incomplete", "finding missing_copies %s %s" % (doc, lang), "document %s %s 1" % (doc, lang),
            "nofinding language_mismatch"]

    a = app("魏东", "WEI Dong")
    yield "language-missing-application-form-zh", "zip", pz(
        a, files(a, drop=[("application_form", "zh", 1), ("application_form", "zh", 2)])), [
        "outcome incomplete", "finding missing_document application_form zh", "document application_form zh 0",
        "nofinding missing_copies",
        "document application_form en 2"]

    # --- content checks ---------------------------------------------------
    a = app("薛峰", "XUE Feng")
    eng = ms.document_bytes(a, "application_form", "zh", "docx", text_lang="en")
    yield "zh-name-english-docx", "zip", pz(a, files(
        a, formats={("application_form", "zh"): "docx"},
        overrides=slot_override("application_form", "zh", eng))), [
        "outcome incomplete", "finding language_mismatch application_form zh", "nofinding missing_copies"]

    a = app("叶萍", "YE Ping")
    chi = ms.document_bytes(a, "work_experience_report", "en", "docx", text_lang="zh")
    yield "en-name-chinese-docx", "zip", pz(a, files(
        a, overrides=slot_override("work_experience_report", "en", chi))), [
        "outcome incomplete", "finding language_mismatch work_experience_report en"]

    a = app("余洁", "YU Jie")
    yield "ceng-target-ieng-table", "zip", pz(a, files(a, variant="IEng")), [
        "outcome incomplete", "finding cross_reference_variant cross_reference en"]

    a = app("潘越", "PAN Yue", target="IEng")
    yield "ieng-target-ceng-table", "zip", pz(a, files(a, variant="CEng")), [
        "outcome incomplete", "finding cross_reference_variant cross_reference en"]

    a = app("杜鹏", "DU Peng", target="IEng")
    yield "ieng-table-target-override-ceng", "zip", pz(a, files(a)), [
        "target CEng", "outcome incomplete", "finding cross_reference_variant cross_reference en"]

    a = app("戴琳", "DAI Lin", target="IEng")
    yield "ieng-table-target-override-ieng", "zip", pz(a, files(a)), [
        "target IEng", "outcome complete", "nofinding cross_reference_variant"]

    a = app("夏雨", "XIA Yu")
    jpg = ms.jpeg_bytes("work experience report photographed")
    yield "pdf-is-jpeg", "zip", pz(a, files(
        a, formats={("work_experience_report", "en"): "pdf"},
        overrides=slot_override("work_experience_report", "en", jpg))), [
        "outcome incomplete", "finding type_mismatch work_experience_report en"]

    a = app("钟诚", "ZHONG Cheng")
    yield "empty-file", "zip", pz(a, files(a, overrides=slot_override("cmes_endorsement", "en", b"", (2,)))), [
        "outcome incomplete", "finding file_empty cmes_endorsement en"]

    a = app("汪洋", "WANG Yang")
    enc = ms.pdf_bytes(ms.application_form_lines(a, "en"), encrypt=True)
    yield "encrypted-pdf", "zip", pz(a, files(a, overrides=slot_override("application_form", "en", enc))), [
        "outcome incomplete", "finding file_encrypted application_form en"]

    a = app("田甜", "TIAN Tian")
    trunc = ms.pdf_bytes(ms.endorsement_lines(a, "zh"), truncate=True)
    yield "truncated-pdf", "zip", pz(a, files(a, overrides=slot_override("cmes_endorsement", "zh", trunc, (1,)))), [
        "outcome incomplete", "finding file_damaged cmes_endorsement zh"]

    # --- eligibility and manifest -----------------------------------------
    a = app("任重", "REN Zhong", qualification="none", senior="no")
    yield "not-eligible-qualification-none", "zip", pz(a, files(a)), [
        "outcome incomplete", "finding not_eligible - -", "nofinding missing_copies"]

    a = app("姜山", "JIANG Shan", qualification="none", senior="yes")
    yield "senior-engineer-ceng-complete", "zip", pz(a, files(a)), [
        "outcome complete", "nofinding not_eligible", "nofinding senior_engineer_ceng_only"]

    a = app("范文", "FAN Wen", qualification="none", senior="yes", target="IEng")
    yield "senior-engineer-ieng", "zip", pz(a, files(a)), [
        "outcome incomplete", "finding senior_engineer_ceng_only - -"]

    a = app("方圆", "FANG Yuan")
    yield "grade-missing", "zip", pz(a, files(a), manifest=manifest_ini(a, omit=("cmes_grade",))), [
        "outcome incomplete", "finding manifest_field_missing - -", "nofinding missing_copies"]

    a = app("石磊", "SHI Lei")
    yield "no-manifest", "zip", pz(a, files(a), manifest=False), [
        "outcome incomplete", "finding manifest_missing - - warning", "finding manifest_field_missing - -",
        *ALL_DOCS]

    # --- CPD record -------------------------------------------------------
    old = list(ms.CPD_ENTRIES)
    old[0] = ("2019-06-15",) + old[0][1:]
    a = app("金鑫", "JIN Xin")
    yield "cpd-2019-entry", "zip", pz(a, files(a, formats={("cpd_record", "en"): "csv"}, overrides=slot_override(
        "cpd_record", "en", ms.csv_bytes(ms.cpd_rows(a, "en", old))))), [
        "outcome incomplete", "finding cpd_entry_out_of_range cpd_record en", "nofinding cpd_hours_invalid"]

    a = app("陆军", "LU Jun")
    yield "cpd-zh-xlsx-2019-entry", "zip", pz(a, files(a, overrides=slot_override(
        "cpd_record", "zh", ms.xlsx_bytes(ms.cpd_rows(a, "zh", old))))), [
        "outcome incomplete", "finding cpd_entry_out_of_range cpd_record zh"]

    bad = list(ms.CPD_ENTRIES)
    bad[2] = bad[2][:5] + ("eight",) + bad[2][6:]
    a = app("白露", "BAI Lu")
    yield "cpd-hours-not-numeric", "zip", pz(a, files(a, formats={("cpd_record", "en"): "csv"}, overrides=slot_override(
        "cpd_record", "en", ms.csv_bytes(ms.cpd_rows(a, "en", bad))))), [
        "outcome incomplete", "finding cpd_hours_invalid cpd_record en", "nofinding cpd_entry_out_of_range"]

    # --- unsafe or unreadable archives ------------------------------------
    a = app("秦川", "QIN Chuan")
    good = packet_members(files(a), manifest=manifest_ini(a))
    yield "archive-traversal", "zip", zip_bytes(good + [Member("../../../tmp/packetd-evil.txt", b"evil\n")]), [
        "outcome rejected", "finding archive_traversal - -"]
    yield "archive-absolute-path", "zip", zip_bytes(good + [Member("/tmp/packetd-evil.txt", b"evil\n")]), [
        "outcome rejected", "finding archive_traversal - -"]
    yield "archive-symlink", "zip", zip_bytes(good + [Member("passwd.pdf", b"/etc/passwd", symlink=True)]), [
        "outcome rejected", "finding archive_link - -"]
    yield "archive-not-archive", "zip", "申请材料见附件。This is plain text, not an archive.\n".encode(), [
        "outcome rejected", "finding archive_not_archive - -"]
    yield "archive-empty", "zip", zip_bytes([]), ["outcome rejected", "finding archive_empty - -"]


def main(argv):
    out = argv[1] if len(argv) > 1 else HERE
    os.makedirs(out, exist_ok=True)
    names = set()
    for name, ext, data, expect in cases():
        assert name not in names, name
        names.add(name)
        with open(os.path.join(out, "%s.%s" % (name, ext)), "wb") as f:
            f.write(data)
        with open(os.path.join(out, name + ".expect"), "w", encoding="utf-8") as f:
            f.write("# %s — generated by make_cases.py\n" % name)
            f.write("\n".join(expect) + "\n")
    print("%d cases written to %s" % (len(names), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
