#!/usr/bin/python3
"""Catalog values vs Debian's mingw-w64 headers (a second, machine-readable source).

Parses /usr/share/mingw-w64/include/{winerror.h, ntstatus.h, iketypes.h,
fwptypes.h, ipsectypes.h, fwpmtypes.h, fwpmu.h} (package mingw-w64-common)
and checks every catalog code / enum / flag value the headers define.  The
headers are known to be incomplete (windows-events.md §1.7); those gaps are
asserted to be *exactly* what is missing or different, so the gap list going
stale (a new mingw release, or a catalog change) is noticed.

Must never: edit anything, need the network, or use more than the Python
standard library.  SKIPs when the headers or $FL_SHARED/reference are absent.
"""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_reference as cr  # noqa: E402  (reference parsers + catalog loader)

MINGW = os.environ.get("FL_MINGW_INCLUDE", "/usr/share/mingw-w64/include")

# windows-events.md §1.7 (+ §1.2 IKEEXT_CIPHER_TYPE note): what mingw-w64 10 lacks.
GAP_WIN32_MISSING = {13821: "ERROR_IPSEC_IKE_SIMULTANEOUS_REKEY",
                     13823: "ERROR_IPSEC_IKE_CRITICAL_PAYLOAD_NOT_RECOGNIZED",
                     13880: "ERROR_IPSEC_IKE_INVALID_MAJOR_VERSION"}
GAP_ENUM_MISSING = {"FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW", "FWPM_NET_EVENT_TYPE_CAPABILITY_DROP",
                    "FWPM_NET_EVENT_TYPE_CAPABILITY_ALLOW", "FWPM_NET_EVENT_TYPE_CLASSIFY_DROP_MAC",
                    "FWPM_NET_EVENT_TYPE_LPM_PACKET_ARRIVAL",
                    "IKEEXT_CIPHER_AES_GCM_128_16ICV", "IKEEXT_CIPHER_AES_GCM_256_16ICV"}
GAP_ENUM_DIFFERENT = {"FWPM_NET_EVENT_TYPE_MAX": (11, 6), "IKEEXT_CIPHER_TYPE_MAX": (7, 5)}  # SDK, mingw
# iSCSI WMI enums come from iscsimgt.h / iscsidef.h, which mingw does not ship (§4.2).
NOT_IN_MINGW_ENUMS = {"ISCSI_INITIATOR_FAILURE_TYPE", "ISCSIIPADDRESSTYPE"}
# Flags: none of FWPM_NET_EVENT_FLAG_* / MM/EM failure flags; only two keywords in fwpmu.h.
MINGW_KEYWORDS = {"FWPM_NET_EVENT_KEYWORD_INBOUND_MCAST": 1, "FWPM_NET_EVENT_KEYWORD_INBOUND_BCAST": 2}
# Structs mingw lacks / has extra (§1.7).
GAP_STRUCTS_MISSING = ["FWPM_NET_EVENT_HEADER2", "FWPM_NET_EVENT_HEADER3", "FWPM_NET_EVENT_IKEEXT_MM_FAILURE2",
                       "FWPM_NET_EVENT_IKEEXT_QM_FAILURE1", "FWPM_NET_EVENT2", "FWPM_NET_EVENT3",
                       "FWPM_NET_EVENT4", "FWPM_NET_EVENT5"]
EXTRA_STRUCT = "FWPM_NET_EVENT_IKEEXT_UM_FAILURE0"


def header(name):
    with open(os.path.join(MINGW, name), encoding="latin-1") as f:
        return f.read()


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def parse_winerror(text):
    """symbol -> value for `#define X __MSABI_LONG(n)` / `nL` and `_HRESULT_TYPEDEF_(0x...)`."""
    out = {}
    text = strip_comments(text)
    for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+(?:__MSABI_LONG\((\d+)\)|(\d+)L)\s*$", text, re.M):
        out.setdefault(m.group(1), []).append(int(m.group(2) or m.group(3)))
    for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+_HRESULT_TYPEDEF_\((0x[0-9A-Fa-f]+)L?\)", text, re.M):
        out.setdefault(m.group(1), []).append(int(m.group(2), 16))
    return out


def parse_raserror(text):
    """symbol -> value for `#define X (RASBASE+n)` (RAS codes such as 809 share the Win32 space)."""
    out = {}
    for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+\(RASBASE\s*\+\s*(\d+)\)", strip_comments(text), re.M):
        out.setdefault(m.group(1), []).append(600 + int(m.group(2)))
    return out


def parse_ntstatus(text):
    out = {}
    for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+\(\(NTSTATUS\)\s*(0x[0-9A-Fa-f]+)L?\)", strip_comments(text), re.M):
        out.setdefault(m.group(1), []).append(int(m.group(2), 16))
    return out


def parse_c_enums(text):
    """{enum typedef name: [(member, value)]}, implicit values = previous + 1,
    members may be initialised from an earlier member (alias)."""
    text = strip_comments(text)
    out = {}
    known = {}
    for m in re.finditer(r"typedef\s+enum\s+\w*\s*\{(.*?)\}\s*(\w+)", text, re.S):
        body, name = m.group(1), m.group(2)
        members, nxt = [], 0
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                sym, expr = [x.strip() for x in item.split("=", 1)]
                expr = expr.strip("() ")
                if re.fullmatch(r"0x[0-9A-Fa-f]+", expr):
                    val = int(expr, 16)
                elif re.fullmatch(r"-?\d+", expr):
                    val = int(expr)
                elif expr in known:
                    val = known[expr]
                else:
                    raise ValueError("enum %s: cannot evaluate %r" % (name, item))
            else:
                sym, val = item, nxt
            members.append((sym, val))
            known[sym] = val
            nxt = val + 1
        out[name] = members
    return out


def main():
    if not os.path.isdir(MINGW):
        print("SKIP check_mingw: %s absent (Debian package mingw-w64-common)" % MINGW)
        return 0
    if not os.path.isdir(cr.REF_DIR):
        print("SKIP check_mingw: %s absent (set FL_SHARED to the shared folder)" % cr.REF_DIR)
        return 0
    try:
        werr = parse_winerror(header("winerror.h"))
        for sym, vals in parse_raserror(header("raserror.h")).items():
            werr.setdefault(sym, vals)
        nts = parse_ntstatus(header("ntstatus.h"))
        enums = {}
        for h in ("iketypes.h", "fwptypes.h", "ipsectypes.h", "fwpmtypes.h"):
            enums.update(parse_c_enums(header(h)))
        fwpmtypes = strip_comments(header("fwpmtypes.h"))
        fwpmu = strip_comments(header("fwpmu.h"))
    except (OSError, ValueError) as e:
        print("FAIL mingw_parse: %s" % e)
        return 1
    mg_enum_value = {}
    for name, members in enums.items():
        for sym, val in members:
            mg_enum_value[sym] = val

    # Parser self-checks on the headers
    p = []
    ipsec = {s: v[0] for s, v in werr.items() if re.match(r"(ERROR|WARNING)_IPSEC_", s) and 13000 <= v[0] <= 13999}
    if len(ipsec) != 150:
        p.append("winerror.h has %d ERROR_/WARNING_IPSEC_ defines, expected 150 (153 minus 3 gaps)" % len(ipsec))
    if werr.get("ERROR_IPSEC_IKE_NEG_STATUS_END") != [13897]:
        p.append("ERROR_IPSEC_IKE_NEG_STATUS_END parsed as %r (the commented-out 13884 must be ignored)" %
                 werr.get("ERROR_IPSEC_IKE_NEG_STATUS_END"))
    if werr.get("CERT_E_CHAINING") != [0x800B010A]:
        p.append("CERT_E_CHAINING parsed as %r" % werr.get("CERT_E_CHAINING"))
    if mg_enum_value.get("IKEEXT_DH_GROUP_2048") != 3 or mg_enum_value.get("FWP_AF_NONE") != 3 \
            or mg_enum_value.get("IPSEC_FAILURE_POINT_MAX") != 3:
        p.append("enum evaluation wrong")
    cr.report("mingw_parse_headers", p, "%d IPsec codes, %d NTSTATUS, %d enums" % (len(ipsec), len(nts), len(enums)))

    # §1.7 gap list vs the headers themselves (no catalog needed)
    p = []
    for v, sym in GAP_WIN32_MISSING.items():
        if sym in werr:
            p.append("%s is now in winerror.h: drop it from the §1.7 gap list" % sym)
        if v in ipsec.values():
            p.append("value %d now defined in winerror.h" % v)
    for sym in GAP_ENUM_MISSING:
        if sym in mg_enum_value:
            p.append("%s is now in mingw: stale gap" % sym)
    for sym, (sdk, mg) in GAP_ENUM_DIFFERENT.items():
        if mg_enum_value.get(sym) != mg:
            p.append("%s in mingw is %r, gap list says %d" % (sym, mg_enum_value.get(sym), mg))
    for s in re.findall(r"#\s*define\s+(FWPM_NET_EVENT_(?:FLAG_\w+|IKEEXT_[ME]M_FAILURE_FLAG_\w+))", fwpmtypes + fwpmu):
        p.append("mingw now defines %s: stale gap" % s)
    kw = dict((m.group(1), int(m.group(2), 0)) for m in
              re.finditer(r"#\s*define\s+(FWPM_NET_EVENT_KEYWORD_\w+)\s+(\w+)", fwpmu + fwpmtypes))
    if kw != MINGW_KEYWORDS:
        p.append("mingw keywords %r, gap list expects only %r" % (kw, MINGW_KEYWORDS))
    for st in GAP_STRUCTS_MISSING:
        if re.search(r"\b%s\b" % st, fwpmtypes):
            p.append("%s now in fwpmtypes.h: stale gap" % st)
    if not re.search(r"\b%s\b" % EXTRA_STRUCT, fwpmtypes):
        p.append("%s no longer in fwpmtypes.h" % EXTRA_STRUCT)
    if len(re.findall(r"#\s*define\s+IKEEXT_CERT_HASH_LEN\s+20\b", fwpmtypes)) != 2:
        p.append("IKEEXT_CERT_HASH_LEN is no longer defined twice (20)")
    cr.report("mingw_gap_list_current", p, "§1.7 gaps still exactly as documented")

    # Catalog vs headers
    if not os.access(cr.FL_BIN, os.X_OK):
        print("FAIL catalog: faultline binary %s not found (build it, or set FL_BIN)" % cr.FL_BIN)
        return 1
    try:
        codes = cr.catalog_list("codes")
    except (cr.CatalogError, OSError) as e:
        print("FAIL mingw_catalog_codes: %s" % e)
        codes = None
    if codes is not None:
        for fam, hdr, table in (("win32", "winerror.h/raserror.h", werr), ("hresult", "winerror.h", werr),
                                ("ntstatus", "ntstatus.h", nts)):
            p, missing = [], {}
            fam_codes = [c for c in codes if c.get("family") == fam]
            for c in fam_codes:
                sym, val = c.get("symbol"), c.get("value")
                if sym not in table:
                    missing[val] = sym
                    continue
                if val not in table[sym] or len(set(table[sym])) != 1:
                    p.append("%s: catalog %r, %s %r" % (sym, val, hdr, table[sym]))
            expect_missing = GAP_WIN32_MISSING if fam == "win32" else {}
            if fam == "win32":
                # only the IPsec range is expected to match mingw; others are reported as missing if absent
                for v, s in GAP_WIN32_MISSING.items():
                    if v not in missing:
                        p.append("gap %d %s: catalog %s" % (v, s, "has it under another symbol / in mingw"
                                                               if any(c.get("value") == v for c in fam_codes) else "lacks it"))
            unexpected = {v: s for v, s in missing.items() if v not in expect_missing}
            for v, s in sorted(unexpected.items(), key=lambda x: (x[0] is None, x[0] or 0)):
                p.append("%s (%r) not in %s: misspelt symbol?" % (s, v, hdr))
            if fam == "win32":
                cat_syms = {c.get("symbol") for c in fam_codes}
                for s, v in sorted(ipsec.items(), key=lambda x: x[1]):
                    if s not in cat_syms:
                        p.append("%s %d is in winerror.h but not in the catalog" % (s, v))
            if fam == "ntstatus":
                cat_syms = {c.get("symbol") for c in fam_codes}
                for s in sorted(x for x in nts if x.startswith("STATUS_IPSEC_")):
                    if s not in cat_syms:
                        p.append("%s is in ntstatus.h but not in the catalog" % s)
            cr.report("mingw_catalog_%s" % fam, p, "%d codes, %d known gaps" % (len(fam_codes), len(expect_missing)))

    try:
        cat_enums = cr.catalog_list("enums")
    except (cr.CatalogError, OSError) as e:
        print("FAIL mingw_catalog_enums: %s" % e)
        cat_enums = None
    if cat_enums is not None:
        p, missing = [], set()
        checked = 0
        for c in cat_enums:
            en, sym, val = c.get("enum"), c.get("symbol"), c.get("value")
            if en in NOT_IN_MINGW_ENUMS:
                continue
            if sym not in mg_enum_value:
                missing.add(sym)
                continue
            checked += 1
            if sym in GAP_ENUM_DIFFERENT:
                sdk, mg = GAP_ENUM_DIFFERENT[sym]
                if val != sdk:
                    p.append("%s: catalog %r, SDK %d (mingw %d is the known-short value)" % (sym, val, sdk, mg))
            elif mg_enum_value[sym] != val:
                p.append("%s.%s: catalog %r, mingw %d" % (en, sym, val, mg_enum_value[sym]))
            # the enum the symbol belongs to must be the mingw typedef of that name
            if en in enums and sym not in dict(enums[en]):
                p.append("%s is in mingw enum %s, not %s" % (sym, next(n for n, ms in enums.items() if sym in dict(ms)), en))
        for sym in sorted(missing - GAP_ENUM_MISSING):
            p.append("%s not in mingw (misspelt?)" % sym)
        for sym in sorted(GAP_ENUM_MISSING - missing):
            p.append("known gap %s: catalog lacks it" % sym)
        # every member of the mingw enums the catalog covers is in the catalog
        cat_syms = {c.get("symbol") for c in cat_enums}
        for en in sorted({c.get("enum") for c in cat_enums} & set(enums)):
            for sym, _ in enums[en]:
                if sym not in cat_syms and sym != "IKEEXT_DH_GROUP_2048":
                    p.append("mingw %s.%s not in the catalog" % (en, sym))
        cr.report("mingw_catalog_enums", p, "%d members checked, %d known gaps" % (checked, len(GAP_ENUM_MISSING)))

    try:
        cat_flags = cr.catalog_list("flags")
    except (cr.CatalogError, OSError) as e:
        print("FAIL mingw_catalog_flags: %s" % e)
        cat_flags = None
    if cat_flags is not None:
        p = []
        by = {c.get("symbol"): c.get("value") for c in cat_flags}
        for s, v in MINGW_KEYWORDS.items():
            if by.get(s) != v:
                p.append("%s: catalog %r, fwpmu.h %d" % (s, by.get(s), v))
        if "IKEEXT_CERT_HASH_LEN" in by and by["IKEEXT_CERT_HASH_LEN"] != 20:
            p.append("IKEEXT_CERT_HASH_LEN: catalog %r, fwpmtypes.h 20" % by["IKEEXT_CERT_HASH_LEN"])
        cr.report("mingw_catalog_flags", p, "only %d keyword bits are in mingw (§1.7)" % len(MINGW_KEYWORDS))
    return 1 if cr.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
