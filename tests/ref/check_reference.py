#!/usr/bin/python3
"""Catalog transcription check: faultline's built-in catalog vs the reference.

Parses ../shared/reference/windows-events.md (and field-knowledge.md) on its
own -- independently of lib/catalog/*.def -- and compares every row with what
`faultline explain --list ... --format json` prints, then looks every item up
one by one (`faultline explain X --format json`).  One line per table:
`PASS name` / `FAIL name: <mismatches, capped>` / `SKIP name: why`.

Must never: edit anything, need a network, or use anything beyond the Python
standard library.  Skips (does not fail) when $FL_SHARED/reference is absent.

Also imported by check_mingw.py (reference parsers + catalog loader); keep the
module import side-effect free.
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FL_BIN = os.environ.get("FL_BIN", "/work/main/build/release/faultline")
FL_SHARED = os.environ.get("FL_SHARED", "/work/shared")
REF_DIR = os.path.join(FL_SHARED, "reference")
EVENTS_MD = os.path.join(REF_DIR, "windows-events.md")
KNOWLEDGE_MD = os.path.join(REF_DIR, "field-knowledge.md")
CAP = 8  # mismatches shown per FAIL line

# --------------------------------------------------------------------------
# Output helpers


FAILED = []


def report(name, problems, ok_note=""):
    """One PASS/FAIL line; problems = list of strings."""
    if problems:
        FAILED.append(name)
        shown = "; ".join(problems[:CAP])
        more = len(problems) - CAP
        if more > 0:
            shown += "; ... and %d more" % more
        shown = re.sub(r"\s*\n\s*", " / ", shown)  # one line per case for tests/run
        print("FAIL %s: %d mismatch(es): %s" % (name, len(problems), shown))
    else:
        print("PASS %s%s" % (name, (" (" + ok_note + ")") if ok_note else ""))
    sys.stdout.flush()


def r(s):
    """repr() that keeps leading/double spaces visible in FAIL lines."""
    return repr(s)


# --------------------------------------------------------------------------
# Markdown helpers


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def section(text, number):
    """Lines of the '### <number> ...' (or '## <number>') section, up to the
    next heading of the same or higher level."""
    lines = text.split("\n")
    start = None
    level = None
    for i, line in enumerate(lines):
        m = re.match(r"^(#{2,4}) (\S+)", line)
        if not m:
            continue
        if start is None:
            if m.group(2).rstrip(".") == number:
                start, level = i + 1, len(m.group(1))
        elif len(m.group(1)) <= level:
            return lines[start:i]
    if start is None:
        raise ValueError("section %s not found" % number)
    return lines[start:]


def cells(line):
    """Split a markdown table row on '|' and strip exactly one space each side
    of every cell, so leading and double spaces inside the text survive."""
    parts = line.split("|")
    if parts[0].strip() != "" or parts[-1].strip() != "":
        raise ValueError("not a table row: %r" % line)
    out = []
    for c in parts[1:-1]:
        if c.startswith(" "):
            c = c[1:]
        if c.endswith(" "):
            c = c[:-1]
        out.append(c)
    return out


def tables(lines):
    """All tables in these lines: list of (header cells, [row cells])."""
    result = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|$", lines[i + 1]):
            header = [c.strip() for c in cells(lines[i])]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                row = cells(lines[i])
                if len(row) != len(header):
                    raise ValueError("row has %d cells, header %d: %r" % (len(row), len(header), lines[i]))
                rows.append(row)
                i += 1
            result.append((header, rows))
        else:
            i += 1
    return result


def one_table(lines):
    t = tables(lines)
    if not t:
        raise ValueError("no table")
    return t[0]


# --------------------------------------------------------------------------
# Reference parsers (windows-events.md)


def parse_ipsec_codes(text):
    """§2.1 -> list of dict(value, hex, symbol, message)."""
    header, rows = one_table(section(text, "2.1"))
    assert header[:4] == ["dec", "hex", "symbol", "SDK winerror.h MessageText (exact)"], header
    out = []
    for row in rows:
        dec, hx, sym, msg = row[0], row[1], row[2], row[3]
        if not re.fullmatch(r"\d+", dec) or not re.fullmatch(r"0x[0-9A-F]{4}", hx):
            raise ValueError("bad dec/hex cell: %r" % row)
        if int(dec) != int(hx, 16):
            raise ValueError("dec %s != hex %s" % (dec, hx))
        out.append({"family": "win32", "value": int(dec), "hex": hx, "symbol": sym, "message": msg})
    return out


def parse_hresults(text):
    """§2.2 -> list of dict(value, hex, symbol, message)."""
    header, rows = one_table(section(text, "2.2"))
    assert header[:3] == ["symbol", "HRESULT", "message (docs \"COM Error Codes (Security and Setup)\")"], header
    out = []
    for sym, hx, msg in rows:
        if not re.fullmatch(r"0x[0-9A-F]{8}", hx):
            raise ValueError("bad HRESULT cell %r" % hx)
        out.append({"family": "hresult", "value": int(hx, 16), "hex": hx, "symbol": sym, "message": msg})
    return out


def parse_ntstatus(text):
    """§2.3 prose: 'STATUS_IPSEC_BAD_SPI 0xC0360001, ..., _DOSP_X 0xC036800n'."""
    body = " ".join(section(text, "2.3"))
    out = []
    for name, hx in re.findall(r"\b((?:STATUS_IPSEC)?_?[A-Z][A-Z0-9_]*) (0x[0-9A-F]{8})\b", body):
        if name.startswith("_"):
            name = "STATUS_IPSEC" + name
        if not name.startswith("STATUS_"):
            continue
        out.append({"family": "ntstatus", "value": int(hx, 16), "hex": hx, "symbol": name})
    return out


OUTCOME = {"S": "success", "F": "failure"}


def parse_events(text):
    """§3.2 -> list of dict(id, version, title, task, subcategory, outcome, fields)."""
    header, rows = one_table(section(text, "3.2"))
    assert header[0] == "ID" and header[4].startswith("EventData"), header
    out = []
    for row in rows:
        eid, title, sub, sf, fields = row
        m = re.fullmatch(r"(.+) \((\d+)\)", sub)
        if not m:
            raise ValueError("bad subcategory cell %r" % sub)
        if "doubtful" in sf:
            outcome = "unknown"
        else:
            outcome = OUTCOME[sf.split()[0]]
        versions = {}
        for part in fields.split("<br>"):
            part = part.strip()
            if part.startswith("**"):
                continue  # Win7 7600 variant: an alternative, not the main definition
            vm = re.fullmatch(r"v(\d): (.*)", part)
            if not vm:
                raise ValueError("bad fields part %r in %s" % (part, eid))
            flist = []
            if vm.group(2) != "(no EventData)":
                for f in vm.group(2).split(", "):
                    fm = re.fullmatch(r"(\w+) \((str|u32|u64)\)", f)
                    if not fm:
                        raise ValueError("bad field %r in %s" % (f, eid))
                    flist.append({"name": fm.group(1), "type": fm.group(2)})
            versions[int(vm.group(1))] = flist
        for ver in sorted(versions):
            out.append({"id": int(eid), "version": ver, "title": title, "task": int(m.group(2)),
                        "subcategory": m.group(1), "outcome": outcome, "fields": versions[ver]})
    return out


def parse_inserts(text):
    """§3.4 -> list of dict(id, insert, text)."""
    header, rows = one_table(section(text, "3.4"))
    assert header == ["insert", "hex id", "rendered string"], header
    out = []
    for ins, hx, s in rows:
        m = re.fullmatch(r"%%(\d+)", ins)
        if not m or int(m.group(1)) != int(hx, 16):
            raise ValueError("bad insert row %r" % [ins, hx, s])
        out.append({"id": int(m.group(1)), "insert": ins, "text": s})
    return out


VISTA_REMARK = " (not in Vista 6.0 table)"


def parse_iscsi_events(text):
    """§4.3 -> list of dict(id, message_id, severity, text)."""
    header, rows = one_table(section(text, "4.3"))
    assert header[0] == "event id" and header[1] == "message id", header
    out = []
    for eid, mid, sev, msg in rows:
        if msg.endswith(VISTA_REMARK):
            msg = msg[: -len(VISTA_REMARK)]
        v = int(mid, 16)
        if int(eid) != v & 0xFFFF or not re.fullmatch(r"0x[0-9A-F]{8}", mid):
            raise ValueError("bad iScsiPrt row %r" % eid)
        expect_sev = {0xC: "Error", 0x4: "Informational"}[v >> 28]
        if sev != expect_sev:
            raise ValueError("severity %r vs message id %s" % (sev, mid))
        out.append({"id": int(eid), "message_id": mid, "severity": sev, "text": msg})
    return out


# Short member names in §1.2 that carry no prefix at all: enum -> (prefix, overrides)
SHORT_NAME_ENUMS = {
    "IKEEXT_CIPHER_TYPE": ("IKEEXT_CIPHER_", {"MAX": "IKEEXT_CIPHER_TYPE_MAX"}),
    "IKEEXT_INTEGRITY_TYPE": ("IKEEXT_INTEGRITY_", {"MAX": "IKEEXT_INTEGRITY_TYPE_MAX"}),
    "IKEEXT_DH_GROUP": ("IKEEXT_DH_", {"NONE": "IKEEXT_DH_GROUP_NONE", "MAX": "IKEEXT_DH_GROUP_MAX"}),
}


def parse_enums(text):
    """§1.2 table + §4.1 FailureType + §4.2 ISCSIIPADDRESSTYPE.
    Returns (list of dict(enum, symbol, value), dict alias symbol -> (enum, value))."""
    header, rows = one_table(section(text, "1.2"))
    out, aliases = [], {}
    for name_cell, members in rows:
        enum = name_cell.split(" (")[0].strip()
        prefix_note = re.search(r"\(all prefixed (\w+)\)", members)
        members = re.sub(r"\s*\((?:mingw|all prefixed)[^)]*\)", "", members)
        alias = re.findall(r"\(alias (\w+)=(\d+)\)", members)
        members = re.sub(r"\s*\(alias [^)]*\)", "", members)
        items = []
        for mem in members.split(", "):
            m = re.fullmatch(r"(\w+)=(\d+)", mem.strip())
            if not m:
                raise ValueError("bad enum member %r in %s" % (mem, enum))
            items.append((m.group(1), int(m.group(2))))
        full = []
        if enum in SHORT_NAME_ENUMS:
            pre, over = SHORT_NAME_ENUMS[enum]
            full = [(over.get(n, pre + n), v) for n, v in items]
            for n, v in alias:
                aliases[over.get(n, pre + n)] = (enum, int(v))
        else:
            if prefix_note:
                base = prefix_note.group(1)
            else:
                base = items[0][0].rsplit("_", 1)[0]
            for n, v in items:
                full.append((base + n if n.startswith("_") else n, v))
        for sym, v in full:
            out.append({"enum": enum, "symbol": sym, "value": v})
    # §4.1 FailureType values
    _, rows = tables(section(text, "4.1"))[1]
    for v, n, _meaning in rows:
        out.append({"enum": "ISCSI_INITIATOR_FAILURE_TYPE", "symbol": n, "value": int(v)})
    body = " ".join(section(text, "4.2"))
    m = re.search(r"ISCSIIPADDRESSTYPE: ((?:ISCSI_IP_ADDRESS_\w+=\d+(?:, )?)+)", body)
    for mem in m.group(1).split(", "):
        n, v = mem.split("=")
        out.append({"enum": "ISCSIIPADDRESSTYPE", "symbol": n, "value": int(v)})
    return out, aliases


def parse_flags(text):
    """§1.3 -> (flags: dict symbol -> (group, value), constants: dict symbol -> value).
    group = the family of bits the symbol belongs to (to check the catalog's
    "set" is consistent), constants = optional non-flag rows."""
    header, rows = one_table(section(text, "1.3"))
    flags, consts = {}, {}
    for name, val in rows:
        if name == "IKEEXT_CERT_HASH_LEN":
            consts[name] = int(val.split()[0])
        elif name.startswith("IKEEXT_ERROR_CODE_COUNT"):
            consts["IKEEXT_ERROR_CODE_COUNT"] = int(re.search(r"= (\d+);", val).group(1))
        elif " / " in name:
            names = name.split(" / ")
            vals = re.sub(r"\s*\(.*\)$", "", val).split(" / ")
            base = names[0].rsplit("_INBOUND", 1)[0]  # FWPM_NET_EVENT_KEYWORD
            if len(names) != len(vals):
                raise ValueError("flag row arity %r" % name)
            for n, v in zip(names, vals):
                flags[base + n if n.startswith("_") else n] = ("KEYWORD", int(v, 16))
        else:
            v = re.match(r"(0x[0-9A-Fa-f]+)", val)
            if not v:
                raise ValueError("bad flag value %r" % val)
            if "_MM_FAILURE_FLAG_" in name:
                group = "MM_FAILURE_FLAG"
            elif "_EM_FAILURE_FLAG_" in name:
                group = "EM_FAILURE_FLAG"
            elif name.startswith("FWPM_NET_EVENT_FLAG_"):
                group = "NET_EVENT_FLAG"
            else:
                raise ValueError("unknown flag row %r" % name)
            flags[name] = (group, int(v.group(1), 16))
    return flags, consts


NONEXISTENT_EVENTS = [4964, 5469, 5470, 5475, 5476, 5481, 5482]


def parse_knowledge_2b(text):
    """field-knowledge.md §2b -> (codes: {code: inferred?}, ras codes, events)."""
    header, rows = one_table(section(text, "2b"))
    codes, other, events = {}, [], []
    for row in rows:
        first, cause = row[0], row[2]
        nums = [int(n) for n in re.findall(r"\d+", first)]
        if "event" in first:
            events.extend(nums)
            continue
        for n in nums:
            if 13000 <= n <= 13999:
                codes[n] = "[inference]" in cause
            elif 4000 <= n <= 5999:
                events.append(n)  # e.g. "13843 / 4976": 4976 is the invalid-packet event
            else:
                other.append(n)  # e.g. 809 (RAS)
    return codes, other, events


def parse_knowledge_2c(text):
    """field-knowledge.md §2c -> {0xEFFFnnnn value: symbol or symbol prefix}."""
    body = "\n".join(section(text, "2c"))
    out = {}
    for lo, hi, name in re.findall(r"0xEFFF([0-9A-F]{4})(?:-([0-9A-F]))? ([A-Z][A-Z_]+)", body):
        if not name.startswith("ISDSC_"):
            name = "ISDSC_" + name
        first = int("EFFF" + lo, 16)
        last = (first & ~0xF) | int(hi, 16) if hi else first
        for v in range(first, last + 1):
            out[v] = (name, bool(hi))  # (name, is_prefix)
    return out


def load_reference():
    text = read(EVENTS_MD)
    ref = {
        "codes_win32": parse_ipsec_codes(text),
        "codes_hresult": parse_hresults(text),
        "codes_ntstatus": parse_ntstatus(text),
        "events": parse_events(text),
        "inserts": parse_inserts(text),
        "iscsi_events": parse_iscsi_events(text),
    }
    ref["enums"], ref["enum_aliases"] = parse_enums(text)
    ref["flags"], ref["constants"] = parse_flags(text)
    ktext = read(KNOWLEDGE_MD)
    ref["k2b_codes"], ref["k2b_other"], ref["k2b_events"] = parse_knowledge_2b(ktext)
    ref["k2c"] = parse_knowledge_2c(ktext)
    return ref


# --------------------------------------------------------------------------
# Catalog access


class CatalogError(Exception):
    pass


def run_fl(args, timeout=60):
    p = subprocess.run([FL_BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def catalog_list(what):
    rc, out, err = run_fl(["explain", "--list", what, "--format", "json"])
    if rc != 0:
        raise CatalogError("`explain --list %s --format json` exited %d: %s" % (what, rc, err.strip()[:200]))
    try:
        data = json.loads(out)
    except ValueError as e:
        raise CatalogError("`explain --list %s` is not JSON: %s" % (what, e))
    if not isinstance(data, list):
        raise CatalogError("`explain --list %s` is not a JSON array" % what)
    return data


def parse_json_docs(out):
    """All JSON documents in out (normally exactly one)."""
    dec, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(out) and out[i] in " \t\r\n":
            i += 1
        if i >= len(out):
            return docs
        obj, i = dec.raw_decode(out, i)
        docs.append(obj)


def explain_json(args):
    """(rc, first JSON object or None, stderr-or-note).  More than one JSON
    document on stdout is reported in the note as 'MULTIDOC n'."""
    rc, out, err = run_fl(["explain", "--format", "json"] + args)
    if rc != 0:
        return rc, None, err
    try:
        docs = parse_json_docs(out)
    except ValueError as e:
        return rc, None, "not JSON (%s): %s" % (e, out[:200])
    if not docs:
        return rc, None, "no JSON on stdout"
    return rc, docs[0], ("MULTIDOC %d" % len(docs)) if len(docs) > 1 else ""


def explain_many(arg_lists):
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(16, (os.cpu_count() or 2) * 2)) as ex:
        return list(ex.map(explain_json, arg_lists))


# --------------------------------------------------------------------------
# Comparisons


def compare_codes(name, ref_rows, cat_rows, family, check_message=True):
    problems = []
    by_val = {}
    for c in cat_rows:
        if c.get("family") == family:
            if c.get("value") in by_val:
                problems.append("duplicate catalog value %r" % c.get("value"))
            by_val[c.get("value")] = c
    width = 4 if family == "win32" else 8
    for ref in ref_rows:
        v = ref["value"]
        c = by_val.get(v)
        label = "%d" % v if family == "win32" else ref["hex"]
        if c is None:
            problems.append("%s %s missing" % (label, ref["symbol"]))
            continue
        if c.get("symbol") != ref["symbol"]:
            problems.append("%s symbol: expected %s got %s" % (label, r(ref["symbol"]), r(c.get("symbol"))))
        if c.get("hex") != "0x%0*X" % (width, v):
            problems.append("%s hex: expected %s got %s" % (label, r("0x%0*X" % (width, v)), r(c.get("hex"))))
        if check_message and c.get("message") != ref["message"]:
            problems.append("%s %s message: expected %s got %s" % (label, ref["symbol"], r(ref["message"]), r(c.get("message"))))
        if not check_message and not isinstance(c.get("message"), str):
            problems.append("%s message missing" % label)
    report(name, problems, "%d rows" % len(ref_rows))


def check_code_objects(cat_codes):
    problems = []
    for c in cat_codes:
        for k in ("family", "value", "hex", "symbol", "message"):
            if k not in c:
                problems.append("%r lacks %s" % (c.get("symbol", c), k))
        fam = c.get("family")
        if fam not in ("win32", "ras", "hresult", "ntstatus", "iscsi"):
            problems.append("%r bad family %r" % (c.get("symbol"), fam))
            continue
        v, hx = c.get("value"), c.get("hex", "")
        if not isinstance(v, int) or isinstance(v, bool):
            problems.append("%r value not a number" % c.get("symbol"))
            continue
        width = 4 if fam in ("win32", "ras") else 8  # RAS errors (raserror.h) are Win32-sized
        if hx != "0x%0*X" % (width, v):
            problems.append("%s %s: value %d but hex %r (want %r)" % (fam, c.get("symbol"), v, hx, "0x%0*X" % (width, v)))
    report("catalog_codes_shape", problems, "%d codes" % len(cat_codes))


def compare_ipsec_range(ref, cat_codes):
    win32_ipsec = [c for c in cat_codes if c.get("family") == "win32" and 13000 <= c.get("value", 0) <= 13999]
    problems = []
    if len(win32_ipsec) != 153:
        problems.append("catalog has %d win32 codes in 13000-13999, expected 153" % len(win32_ipsec))
    extra = sorted({c["value"] for c in win32_ipsec} - {x["value"] for x in ref["codes_win32"]})
    if extra:
        problems.append("codes not in the reference: %s" % extra)
    report("catalog_ipsec_count_153", problems)


def compare_events(ref_events, cat_events):
    problems = []
    key = lambda e: (e.get("id"), e.get("version"))
    by_key = {}
    for e in cat_events:
        if key(e) in by_key:
            problems.append("duplicate (id, version) %r" % (key(e),))
        by_key[key(e)] = e
    ref_keys = set()
    for ref in ref_events:
        k = key(ref)
        ref_keys.add(k)
        label = "%d v%d" % k
        e = by_key.get(k)
        if e is None:
            problems.append("%s missing" % label)
            continue
        for f in ("title", "task", "subcategory", "outcome"):
            if e.get(f) != ref[f]:
                problems.append("%s %s: expected %s got %s" % (label, f, r(ref[f]), r(e.get(f))))
        got = e.get("fields")
        if got != ref["fields"]:
            if not isinstance(got, list):
                problems.append("%s fields not a list" % label)
            else:
                exp_s = ["%s:%s" % (x["name"], x["type"]) for x in ref["fields"]]
                got_s = ["%s:%s" % (x.get("name"), x.get("type")) if isinstance(x, dict) else repr(x) for x in got]
                diff = next((i for i in range(max(len(exp_s), len(got_s)))
                             if i >= len(exp_s) or i >= len(got_s) or exp_s[i] != got_s[i]), None)
                problems.append("%s fields differ at #%s: expected %s got %s (expected %d fields, got %d)" % (
                    label, diff, exp_s[diff] if diff < len(exp_s) else "<end>",
                    got_s[diff] if diff < len(got_s) else "<end>", len(exp_s), len(got_s)))
    extra = sorted(set(by_key) - ref_keys, key=lambda k: (k[0] or 0, k[1] or 0))
    if extra:
        problems.append("events not in the reference: %s" % ["%s v%s" % k for k in extra])
    report("catalog_events", problems, "%d (id, version) rows" % len(ref_events))


def compare_simple(name, ref_rows, cat_rows, keyf, fields):
    problems = []
    by = {}
    for c in cat_rows:
        if keyf(c) in by:
            problems.append("duplicate %r" % (keyf(c),))
        by[keyf(c)] = c
    for ref in ref_rows:
        k = keyf(ref)
        c = by.get(k)
        if c is None:
            problems.append("%s missing" % (k,))
            continue
        for f in fields:
            if c.get(f) != ref[f]:
                problems.append("%s %s: expected %s got %s" % (k, f, r(ref[f]), r(c.get(f))))
    extra = sorted(set(by) - {keyf(x) for x in ref_rows}, key=str)
    if extra:
        problems.append("not in the reference: %s" % extra)
    report(name, problems, "%d rows" % len(ref_rows))


def compare_enums(ref_enums, aliases, cat_enums):
    problems = []
    by = {}
    for c in cat_enums:
        k = (c.get("enum"), c.get("symbol"))
        if k in by:
            problems.append("duplicate %s.%s" % k)
        by[k] = c
    ref_keys = set()
    for ref in ref_enums:
        k = (ref["enum"], ref["symbol"])
        ref_keys.add(k)
        c = by.get(k)
        if c is None:
            problems.append("%s.%s missing" % k)
        elif c.get("value") != ref["value"]:
            problems.append("%s.%s: expected %d got %r" % (k[0], k[1], ref["value"], c.get("value")))
    ref_enum_names = {e["enum"] for e in ref_enums}
    other = set()
    for k in sorted(set(by) - ref_keys, key=str):
        if k[1] in aliases and aliases[k[1]][0] == k[0]:
            if by[k].get("value") != aliases[k[1]][1]:
                problems.append("alias %s.%s: expected %d got %r" % (k[0], k[1], aliases[k[1]][1], by[k].get("value")))
        elif k[0] in ref_enum_names:
            problems.append("%s.%s not in the reference" % k)
        else:
            other.add(k[0])  # an enum §1.2 does not list: check_mingw.py checks its values
    note = "%d members in %d enums" % (len(ref_enums), len(ref_enum_names))
    if other:
        note += "; not in the reference, left to check_mingw.py: %s" % ", ".join(sorted(map(str, other)))
    report("catalog_enums", problems, note)


def compare_flags(ref_flags, consts, cat_flags):
    problems = []
    by = {}
    for c in cat_flags:
        if c.get("symbol") in by:
            problems.append("duplicate %s" % c.get("symbol"))
        by[c.get("symbol")] = c
    set_of_group = {}
    for sym, (group, val) in sorted(ref_flags.items()):
        c = by.get(sym)
        if c is None:
            problems.append("%s missing" % sym)
            continue
        if c.get("value") != val:
            problems.append("%s: expected 0x%X got %r" % (sym, val, c.get("value")))
        s = c.get("set")
        if not isinstance(s, str) or not s:
            problems.append("%s: no set name" % sym)
        set_of_group.setdefault(group, set()).add(s)
    for group, sets in set_of_group.items():
        if len(sets) != 1:
            problems.append("%s bits spread over sets %s" % (group, sorted(map(str, sets))))
    all_sets = [next(iter(s)) for s in set_of_group.values() if len(s) == 1]
    if len(all_sets) != len(set(all_sets)):
        problems.append("distinct bit families share one set name: %s" % all_sets)
    for sym in sorted(set(by) - set(ref_flags)):
        if sym in consts:
            if by[sym].get("value") != consts[sym]:
                problems.append("%s: expected %d got %r" % (sym, consts[sym], by[sym].get("value")))
        else:
            problems.append("%s not in the reference" % sym)
    report("catalog_flags", problems, "%d flags" % len(ref_flags))


# --------------------------------------------------------------------------
# One-by-one lookups (the `explain X` path, not just the list)


def lookup_checks(ref, cat_codes):
    # win32: decimal, hex, symbol, HRESULT_FROM_WIN32
    jobs, expect = [], []
    for c in ref["codes_win32"]:
        v = c["value"]
        for form in (str(v), c["hex"], c["hex"].lower(), c["symbol"], "0x%08X" % (0x80070000 | v)):
            jobs.append([form])
            expect.append(("win32", v, c["symbol"], c["message"], form))
    for fam in ("codes_hresult", "codes_ntstatus"):
        for c in ref[fam]:
            for form in (c["hex"], c["symbol"]):
                jobs.append([form])
                expect.append((c["family"], c["value"], c["symbol"], c.get("message"), form))
    results = explain_many(jobs)
    per_family = {"win32": [], "hresult": [], "ntstatus": []}
    for (fam, v, sym, msg, form), (rc, obj, err) in zip(expect, results):
        bad = per_family[fam]
        if obj is None:
            bad.append("explain %s: exit %d %s" % (form, rc, err.strip()[:120]))
            continue
        if obj.get("kind") != "code":
            bad.append("explain %s: kind %r" % (form, obj.get("kind")))
        if obj.get("family") != fam or obj.get("value") != v or obj.get("symbol") != sym:
            bad.append("explain %s: got %s/%r/%r, expected %s/%r/%r" % (
                form, obj.get("family"), obj.get("value"), obj.get("symbol"), fam, v, sym))
        if msg is not None and obj.get("message") != msg:
            bad.append("explain %s message: expected %s got %s" % (form, r(msg), r(obj.get("message"))))
        if not isinstance(obj.get("knowledge"), list):
            bad.append("explain %s: no knowledge array" % form)
    report("lookup_win32_dec_hex_symbol_hresult", per_family["win32"], "%d codes x 5 forms" % len(ref["codes_win32"]))
    report("lookup_hresult_hex_symbol", per_family["hresult"], "%d codes" % len(ref["codes_hresult"]))
    report("lookup_ntstatus_hex_symbol", per_family["ntstatus"], "%d codes" % len(ref["codes_ntstatus"]))

    # events (one object per id; multi-version ids: any of the versions)
    ids = sorted({e["id"] for e in ref["events"]})
    results = explain_many([["event", str(i)] for i in ids])
    bad, multidoc = [], []
    for i, (rc, obj, err) in zip(ids, results):
        if obj is None:
            bad.append("explain event %d: exit %d %s" % (i, rc, err.strip()[:120]))
            continue
        if err.startswith("MULTIDOC"):
            multidoc.append("explain --format json event %d prints %s JSON documents, not one object" % (i, err.split()[1]))
        refs = [e for e in ref["events"] if e["id"] == i]
        e0 = refs[0]
        if obj.get("kind") != "event" or obj.get("id") != i:
            bad.append("event %d: kind/id %r/%r" % (i, obj.get("kind"), obj.get("id")))
        for f in ("title", "task", "subcategory", "outcome"):
            if obj.get(f) != e0[f]:
                bad.append("event %d %s: expected %s got %s" % (i, f, r(e0[f]), r(obj.get(f))))
        got = obj.get("fields")
        got_nt = [{"name": f.get("name"), "type": f.get("type")} if isinstance(f, dict) else f
                  for f in got] if isinstance(got, list) else got
        if got_nt not in [x["fields"] for x in refs]:
            bad.append("event %d: fields (name, type) match no version of the reference" % i)
        ap = obj.get("auditpol", "")
        want = 'auditpol /set /subcategory:"%s"' % e0["subcategory"]
        if not isinstance(ap, str) or not ap.startswith(want):
            bad.append("event %d auditpol: expected to start with %s got %s" % (i, r(want), r(ap)))
    report("lookup_events", bad, "%d ids" % len(ids))
    report("lookup_events_json_is_one_document", multidoc, "%d ids" % len(ids))

    # inserts
    results = explain_many([[x["insert"]] for x in ref["inserts"]])
    bad = []
    for x, (rc, obj, err) in zip(ref["inserts"], results):
        if obj is None:
            bad.append("explain %s: exit %d %s" % (x["insert"], rc, err.strip()[:120]))
        elif (obj.get("kind"), obj.get("id"), obj.get("text")) != ("insert", x["id"], x["text"]):
            bad.append("explain %s: got %r/%r/%s, expected insert/%d/%s" % (
                x["insert"], obj.get("kind"), obj.get("id"), r(obj.get("text")), x["id"], r(x["text"])))
    report("lookup_inserts", bad, "%d inserts" % len(ref["inserts"]))

    # iScsiPrt events
    results = explain_many([["iscsi-event", str(x["id"])] for x in ref["iscsi_events"]])
    bad = []
    for x, (rc, obj, err) in zip(ref["iscsi_events"], results):
        if obj is None:
            bad.append("explain iscsi-event %d: exit %d %s" % (x["id"], rc, err.strip()[:120]))
            continue
        for f in ("id", "message_id", "severity", "text"):
            if obj.get(f) != x[f]:
                bad.append("iscsi-event %d %s: expected %s got %s" % (x["id"], f, r(x[f]), r(obj.get(f))))
        if obj.get("kind") != "iscsi-event":
            bad.append("iscsi-event %d kind %r" % (x["id"], obj.get("kind")))
    report("lookup_iscsi_events", bad, "%d events" % len(ref["iscsi_events"]))


def text_checks(ref):
    """Default (text) output: codes show symbol, decimal, hex and the exact
    message; events show title, subcategory, every field name, auditpol."""
    def run_text(args):
        rc, out, err = run_fl(["explain"] + args)
        return rc, out, err
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(16, (os.cpu_count() or 2) * 2)) as ex:
        codes = list(ex.map(run_text, [[str(c["value"])] for c in ref["codes_win32"]]))
        ids = sorted({e["id"] for e in ref["events"]})
        events = list(ex.map(run_text, [["event", str(i)] for i in ids]))
    bad = []
    for c, (rc, out, err) in zip(ref["codes_win32"], codes):
        if rc != 0:
            bad.append("explain %d: exit %d" % (c["value"], rc))
            continue
        for what, needle in (("symbol", c["symbol"]), ("decimal", str(c["value"])), ("hex", c["hex"]),
                             ("message", c["message"])):
            if needle not in out:
                bad.append("explain %d text lacks the %s %s" % (c["value"], what, r(needle)))
    report("text_codes_show_symbol_dec_hex_message", bad, "%d codes" % len(codes))
    bad = []
    for i, (rc, out, err) in zip(ids, events):
        if rc != 0:
            bad.append("explain event %d: exit %d" % (i, rc))
            continue
        refs = [e for e in ref["events"] if e["id"] == i]
        names = {f["name"] for e in refs for f in e["fields"]}
        want = [("title", refs[0]["title"]), ("subcategory", refs[0]["subcategory"]),
                ("auditpol", 'auditpol /set /subcategory:"%s"' % refs[0]["subcategory"])]
        want += [("field", n) for n in sorted(names) if not re.search(r"\b%s\b" % re.escape(n), out)]
        for what, needle in want:
            if what == "field" or needle not in out:
                bad.append("explain event %d text lacks the %s %s" % (i, what, r(needle)))
    report("text_events_show_title_subcategory_fields_auditpol", bad, "%d ids" % len(ids))


def knowledge_checks(ref, cat_codes):
    # §2b codes: explainable + carry knowledge; [inference] rows flagged inferred
    codes = sorted(ref["k2b_codes"])
    results = explain_many([[str(c)] for c in codes])
    bad = []
    for c, (rc, obj, err) in zip(codes, results):
        if obj is None:
            bad.append("explain %d: exit %d %s" % (c, rc, err.strip()[:100]))
            continue
        kn = obj.get("knowledge")
        if not isinstance(kn, list) or not kn:
            bad.append("%d: empty knowledge (field-knowledge.md §2b has a row)" % c)
            continue
        for k in kn:
            if not isinstance(k, dict) or not all(isinstance(k.get(f), str) and k.get(f) for f in ("cause", "check", "source")) \
                    or not isinstance(k.get("inferred"), bool):
                bad.append("%d: malformed knowledge entry %r" % (c, k))
                break
        else:
            inferred = ref["k2b_codes"][c]
            if inferred and not any(k["inferred"] for k in kn):
                bad.append("%d: §2b marks the cause [inference] but no entry has inferred=true" % c)
            if not inferred and all(k["inferred"] for k in kn):
                bad.append("%d: §2b cause is sourced but every entry has inferred=true" % c)
    report("knowledge_2b_codes", bad, "%d codes" % len(codes))

    # §2b: other numbers (809 RAS) and events named in the table
    bad = []
    for n in ref["k2b_other"]:
        rc, obj, err = explain_json([str(n)])
        if obj is None:
            bad.append("explain %d (field-knowledge §2b row): exit %d %s" % (n, rc, err.strip()[:100]))
    report("knowledge_2b_other_codes_explainable", bad, "codes %s" % ref["k2b_other"])
    bad = []
    for n in sorted(set(ref["k2b_events"])):
        rc, obj, err = explain_json(["event", str(n)])
        if obj is None:
            bad.append("explain event %d: exit %d %s" % (n, rc, err.strip()[:100]))
    report("knowledge_2b_events_explainable", bad, "events %s" % sorted(set(ref["k2b_events"])))

    # §2c 0xEFFF iSCSI status codes
    bad = []
    cat_iscsi = {c.get("value"): c for c in cat_codes if c.get("family") == "iscsi"}
    for v, (name, is_prefix) in sorted(ref["k2c"].items()):
        hx = "0x%08X" % v
        rc, obj, err = explain_json([hx])
        if obj is None:
            bad.append("explain %s: exit %d %s" % (hx, rc, err.strip()[:100]))
            continue
        sym = obj.get("symbol", "")
        ok = sym.startswith(name) if is_prefix else sym == name
        if obj.get("family") != "iscsi" or obj.get("value") != v or not ok:
            bad.append("explain %s: got %r/%r/%r, expected iscsi/%d/%s%s" % (
                hx, obj.get("family"), obj.get("value"), sym, v, name, "*" if is_prefix else ""))
        if v not in cat_iscsi:
            bad.append("%s not in --list codes" % hx)
        if not is_prefix:
            rc, obj2, err = explain_json([name])
            if obj2 is None or obj2.get("value") != v:
                bad.append("explain %s: exit %d, value %r" % (name, rc, obj2 and obj2.get("value")))
    report("knowledge_2c_iscsi_status_explainable", bad, "%d codes" % len(ref["k2c"]))


def nonexistent_checks(ref, cat_events):
    bad = []
    ids = {e.get("id") for e in cat_events}
    for n in NONEXISTENT_EVENTS:
        if n in ids:
            bad.append("event %d is listed but is not an IPsec event / does not exist" % n)
        rc, _, _ = run_fl(["explain", "event", str(n)])
        if rc != 3:
            bad.append("explain event %d exited %d, expected 3" % (n, rc))
        if n in {e["id"] for e in ref["events"]}:
            bad.append("reference parser: %d in §3.2 (parser bug)" % n)
    report("events_nonexistent_absent", bad, "%s" % NONEXISTENT_EVENTS)


# --------------------------------------------------------------------------
# Parser self-checks on the markdown alone


def reference_self_checks(ref):
    p = []
    codes = ref["codes_win32"]
    if len(codes) != 153:
        p.append("§2.1 has %d rows, expected 153" % len(codes))
    vals = [c["value"] for c in codes]
    if len(set(vals)) != len(vals):
        p.append("§2.1 duplicate values")
    expect_ranges = list(range(13000, 13026)) + list(range(13800, 13919)) + list(range(13925, 13933))
    if sorted(vals) != expect_ranges:
        p.append("§2.1 values are not 13000-13025, 13800-13918, 13925-13932")
    by = {c["value"]: c for c in codes}
    spot = {
        13800: " ERROR_IPSEC_IKE_NEG_STATUS_BEGIN",
        13897: " ERROR_IPSEC_IKE_NEG_STATUS_END",
        13909: " ERROR_IPSEC_IKE_NEG_STATUS_EXTENDED_END",
        13805: "Negotiation timed out",
        13907: "SA establishment is not authorized.  You may need to enter updated or different credentials such as a smartcard.",
    }
    for v, s in spot.items():
        if by[v]["message"] != s:
            p.append("§2.1 %d parsed as %r" % (v, by[v]["message"]))
    if by[13801]["hex"] != "0x35E9" or by[13801]["symbol"] != "ERROR_IPSEC_IKE_AUTH_FAIL":
        p.append("§2.1 13801 row wrong")
    report("ref_parse_ipsec_codes", p, "153 rows, dec == hex")

    p = []
    if len(ref["codes_hresult"]) != 54:
        p.append("§2.2 has %d rows, expected 54" % len(ref["codes_hresult"]))
    if len({c["value"] for c in ref["codes_hresult"]}) != len(ref["codes_hresult"]):
        p.append("§2.2 duplicate values")
    if len(ref["codes_ntstatus"]) != 17:
        p.append("§2.3 has %d NTSTATUS values, expected 17" % len(ref["codes_ntstatus"]))
    nt = {c["symbol"]: c["value"] for c in ref["codes_ntstatus"]}
    if nt.get("STATUS_IPSEC_DOSP_MAX_PER_IP_RATELIMIT_QUEUES") != 0xC0368006 or nt.get("STATUS_IPSEC_QUEUE_OVERFLOW") != 0xC000A010:
        p.append("§2.3 prose parse wrong: %r" % nt)
    report("ref_parse_hresult_ntstatus", p, "%d HRESULTs, %d NTSTATUS" % (len(ref["codes_hresult"]), len(ref["codes_ntstatus"])))

    p = []
    ev = ref["events"]
    ids = sorted({e["id"] for e in ev})
    multi = sorted({e["id"] for e in ev if e["version"] == 1})
    if multi != [4654, 5451, 5452]:
        p.append("v1 events %r" % multi)
    if len(ev) != len(ids) + 3:
        p.append("%d rows for %d ids" % (len(ev), len(ids)))
    e = {(x["id"], x["version"]): x for x in ev}
    if len(e[(4982, 0)]["fields"]) != 30 or len(e[(4981, 0)]["fields"]) != 26:
        p.append("4982/4981 field counts %d/%d, expected 30/26" % (len(e[(4982, 0)]["fields"]), len(e[(4981, 0)]["fields"])))
    if len(e[(5452, 0)]["fields"]) != 8 or len(e[(5452, 1)]["fields"]) != 12 or e[(5452, 1)]["fields"][1]["name"] != "LocalAddressMask":
        p.append("5452 v0/v1 not the Win10 definitions")
    if [x["id"] for x in ev if x["outcome"] == "unknown"] != [4983, 4984]:
        p.append("unknown-outcome events %r" % [x["id"] for x in ev if x["outcome"] == "unknown"])
    if e[(4653, 0)]["outcome"] != "failure" or e[(4653, 0)]["task"] != 12547 or len(e[(4653, 0)]["fields"]) != 16:
        p.append("4653 row parsed wrong")
    if "  Certificate" not in e[(4650, 0)]["title"]:
        p.append("4650 title lost its double space")
    if e[(5453, 0)]["fields"] != [] or e[(4646, 0)]["fields"] != [{"name": "notification", "type": "str"}]:
        p.append("no-EventData / 4646 rows parsed wrong")
    report("ref_parse_events", p, "%d ids, %d (id, version) rows" % (len(ids), len(ev)))

    p = []
    ins = [x["id"] for x in ref["inserts"]]
    if ins != list(range(8192, 8249)):
        p.append("§3.4 inserts are not %%8192..%%8248 in order")
    report("ref_parse_inserts", p, "%d inserts %%%%8192-%%%%8248" % len(ins))

    p = []
    isc = sorted(x["id"] for x in ref["iscsi_events"])
    expect_isc = sorted([32, 34, 64, 67, 71] + list(range(1, 32)) + [33] + list(range(35, 64)) + [65, 66, 68, 69, 70, 72])
    if isc != expect_isc:
        p.append("iScsiPrt ids %r" % isc)
    if any("Vista" in x["text"] for x in ref["iscsi_events"]):
        p.append("Vista remark not stripped")
    ix = {x["id"]: x for x in ref["iscsi_events"]}
    if "initiator.  iSCSI Function code" not in ix[8]["text"] or "refer  to" not in ix[8]["text"]:
        p.append("iScsiPrt 8 lost its double spaces")
    report("ref_parse_iscsi_events", p, "%d ids" % len(isc))

    p = []
    en = {(x["enum"], x["symbol"]): x["value"] for x in ref["enums"]}
    want = {
        ("IKEEXT_MM_SA_STATE", "IKEEXT_MM_SA_STATE_SA_SENT"): 1,
        ("IKEEXT_CIPHER_TYPE", "IKEEXT_CIPHER_DES"): 0,
        ("IKEEXT_CIPHER_TYPE", "IKEEXT_CIPHER_TYPE_MAX"): 7,
        ("IKEEXT_INTEGRITY_TYPE", "IKEEXT_INTEGRITY_MD5"): 0,
        ("IKEEXT_INTEGRITY_TYPE", "IKEEXT_INTEGRITY_TYPE_MAX"): 4,
        ("IKEEXT_DH_GROUP", "IKEEXT_DH_GROUP_NONE"): 0,
        ("IKEEXT_DH_GROUP", "IKEEXT_DH_GROUP_14"): 3,
        ("IKEEXT_DH_GROUP", "IKEEXT_DH_ECP_384"): 5,
        ("IKEEXT_DH_GROUP", "IKEEXT_DH_GROUP_MAX"): 7,
        ("IKEEXT_AUTHENTICATION_IMPERSONATION_TYPE", "IKEEXT_IMPERSONATION_MAX"): 2,
        ("FWPM_NET_EVENT_TYPE", "FWPM_NET_EVENT_TYPE_LPM_PACKET_ARRIVAL"): 10,
        ("FWPM_NET_EVENT_TYPE", "FWPM_NET_EVENT_TYPE_MAX"): 11,
        ("ISCSI_INITIATOR_FAILURE_TYPE", "LogoutOthers"): 4,
        ("ISCSIIPADDRESSTYPE", "ISCSI_IP_ADDRESS_EMPTY"): 3,
        ("IPSEC_FAILURE_POINT", "IPSEC_FAILURE_POINT_MAX"): 3,
    }
    for k, v in want.items():
        if en.get(k) != v:
            p.append("%s.%s = %r, expected %d" % (k[0], k[1], en.get(k), v))
    if ref["enum_aliases"] != {"IKEEXT_DH_GROUP_2048": ("IKEEXT_DH_GROUP", 3)}:
        p.append("aliases %r" % ref["enum_aliases"])
    # every enum's values are 0..n-1 in order ("previous + 1")
    by_enum = {}
    for x in ref["enums"]:
        by_enum.setdefault(x["enum"], []).append(x["value"])
    for name, vs in by_enum.items():
        if vs != list(range(len(vs))):
            p.append("%s values %r not 0..n-1" % (name, vs))
    if not all(re.fullmatch(r"[A-Z][A-Za-z0-9_]+", x["symbol"]) and "__" not in x["symbol"] for x in ref["enums"]):
        p.append("malformed expanded symbol")
    report("ref_parse_enums", p, "%d members, %d enums" % (len(ref["enums"]), len(by_enum)))

    p = []
    fl = ref["flags"]
    if len(fl) != 14 + 4 + 6:
        p.append("%d flags, expected 24" % len(fl))
    if fl.get("FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG_BENIGN") != ("EM_FAILURE_FLAG", 2) or \
            fl.get("FWPM_NET_EVENT_KEYWORD_PORT_SCANNING_DROP") != ("KEYWORD", 0x20) or \
            fl.get("FWPM_NET_EVENT_FLAG_EFFECTIVE_NAME_SET") != ("NET_EVENT_FLAG", 0x2000):
        p.append("flag spot values wrong")
    if ref["constants"] != {"IKEEXT_CERT_HASH_LEN": 20, "IKEEXT_ERROR_CODE_COUNT": 97}:
        p.append("constants %r" % ref["constants"])
    report("ref_parse_flags", p, "%d flags" % len(fl))

    p = []
    k = ref["k2b_codes"]
    for c in (13801, 13806, 13868, 13805, 13825, 13819, 13817, 13848, 13827, 13847, 13843, 13887):
        if c not in k:
            p.append("§2b code %d not parsed" % c)
    if not k.get(13825) or not k.get(13819) or k.get(13801):
        p.append("§2b inference marks wrong")
    if ref["k2b_other"] != [809] or sorted(set(ref["k2b_events"])) != [4646, 4976, 5453]:
        p.append("§2b other/events %r %r" % (ref["k2b_other"], ref["k2b_events"]))
    k2c = ref["k2c"]
    if sorted(k2c) != [0xEFFF0003, 0xEFFF0006, 0xEFFF0007, 0xEFFF0009, 0xEFFF000A, 0xEFFF000B, 0xEFFF000C] or \
            k2c[0xEFFF0009] != ("ISDSC_AUTHENTICATION_FAILURE", False):
        p.append("§2c parse %r" % k2c)
    report("ref_parse_field_knowledge", p, "%d §2b codes, %d §2c codes" % (len(k), len(k2c)))


def main():
    if not os.path.isdir(REF_DIR):
        print("SKIP check_reference: %s absent (set FL_SHARED to the shared folder)" % REF_DIR)
        return 0
    try:
        ref = load_reference()
    except (ValueError, AssertionError, KeyError, AttributeError, IndexError) as e:
        print("FAIL ref_parse: cannot parse the reference: %s: %s" % (type(e).__name__, e))
        return 1
    reference_self_checks(ref)

    if not os.access(FL_BIN, os.X_OK):
        print("FAIL catalog: faultline binary %s not found (build it, or set FL_BIN)" % FL_BIN)
        return 1
    lists = {}
    for what in ("codes", "events", "inserts", "iscsi-events", "enums", "flags"):
        try:
            lists[what] = catalog_list(what)
        except (CatalogError, subprocess.TimeoutExpired, OSError) as e:
            print("FAIL catalog_list_%s: %s" % (what.replace("-", "_"), e))
    if "codes" in lists:
        cat = lists["codes"]
        check_code_objects(cat)
        compare_codes("catalog_codes_win32_ipsec", ref["codes_win32"], cat, "win32")
        compare_ipsec_range(ref, cat)
        compare_codes("catalog_codes_hresult", ref["codes_hresult"], cat, "hresult")
        compare_codes("catalog_codes_ntstatus", ref["codes_ntstatus"], cat, "ntstatus", check_message=False)
    if "events" in lists:
        compare_events(ref["events"], lists["events"])
    if "inserts" in lists:
        compare_simple("catalog_inserts", ref["inserts"], lists["inserts"], lambda x: x.get("id"), ("insert", "text"))
    if "iscsi-events" in lists:
        compare_simple("catalog_iscsi_events", ref["iscsi_events"], lists["iscsi-events"], lambda x: x.get("id"),
                       ("message_id", "severity", "text"))
    if "enums" in lists:
        compare_enums(ref["enums"], ref["enum_aliases"], lists["enums"])
    if "flags" in lists:
        compare_flags(ref["flags"], ref["constants"], lists["flags"])
    if "codes" in lists:
        lookup_checks(ref, lists["codes"])
        text_checks(ref)
        knowledge_checks(ref, lists["codes"])
    nonexistent_checks(ref, lists.get("events", []))
    return 1 if FAILED or len(lists) < 6 else 0


if __name__ == "__main__":
    sys.exit(main())
