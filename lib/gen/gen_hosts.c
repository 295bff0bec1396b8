/*
** Hosts and background records for the generator: Windows-like host names
** and RFC 1918 addresses, and the per-record values of the background
** events (4624, 4688, 5156, 4964, 7036) chosen from small realistic tables.
** Must never produce an in-scope (IPsec/PAStore/iSCSI) event: the manifest
** counts on background being background.
*/
#include <stdio.h>
#include <string.h>

#include "gen/gen_engine.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char fl_gen_domain_sid[] = "S-1-5-21-3623811015-3361044348-30300820";
/* Peer-controlled text a hostile peer could send: markup, quotes, control
** characters, a bidi override and a fake end of element. Valid UTF-8. */
const char fl_gen_hostile_text[] =
    "CN=<evil&co>\"'\t\r\n\x01\x1b[31m</Data>]]>\\\"}{\xE2\x80\xAE" "gpj.exe\xC3\xA9";

static const char *const servers[] = {"DC01", "DC02", "SRV-FS01", "SRV-SQL01", "SRV-APP01",
                                      "SRV-ISCSI01", "SRV-WEB01", "SRV-CA01", "SRV-HV01", "SRV-RDS01"};
static const char *const depts[] = {"FIN", "HR", "ENG", "OPS", "SALES", "IT", "LEGAL", "MKT"};

void fl_gen_host_make(gen_host *h, unsigned index, gen_rng *rng) {
  memset(h, 0, sizeof *h);
  if (index < COUNT(servers))
    snprintf(h->name, sizeof h->name, "%s", servers[index]);
  else
    snprintf(h->name, sizeof h->name, "WS-%s-%04u", depts[index % COUNT(depts)],
               (unsigned)(index * 37 % 9000 + 1000));
  snprintf(h->fqdn, sizeof h->fqdn, "%s.corp.example.org", h->name);
  snprintf(h->account, sizeof h->account, "%s$", h->name);
  unsigned net = index < COUNT(servers) ? 10 : 20 + (index - (unsigned)COUNT(servers)) / 250;
  unsigned hostpart = index < COUNT(servers) ? 10 + index : 2 + (index - (unsigned)COUNT(servers)) % 250;
  snprintf(h->ip, sizeof h->ip, "10.20.%u.%u", net % 256, hostpart);
  h->ip_u32 = (10u << 24) | (20u << 16) | ((net % 256) << 8) | hostpart;
  h->lsass_pid = (uint32_t)fl_gen_rng_range(rng, 150, 260) * 4;
  h->services_pid = h->lsass_pid - 4 * (uint32_t)fl_gen_rng_range(rng, 4, 20);
  h->record_id[0] = fl_gen_rng_range(rng, 20000, 9000000);
  h->record_id[1] = fl_gen_rng_range(rng, 2000, 400000);
  h->mm_sa = fl_gen_rng_range(rng, 1000, 90000);
  h->mm_filter = fl_gen_rng_range(rng, 60000, 140000);
}

static const char *const users[] = {"amartin", "bchen", "cdiaz", "dkowalski", "eokafor",
                                    "fnguyen", "gsilva", "hmuller", "ipatel", "jsmith",
                                    "svc_backup", "svc_sql"};
static const char *const procs[] = {
    "C:\\Windows\\System32\\svchost.exe",   "C:\\Windows\\System32\\conhost.exe",
    "C:\\Windows\\System32\\taskhostw.exe", "C:\\Windows\\System32\\RuntimeBroker.exe",
    "C:\\Windows\\System32\\backgroundTaskHost.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Windows\\System32\\cmd.exe",       "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"};
static const char *const cmdlines[] = {
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
    "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
    "taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}",
    "C:\\Windows\\System32\\RuntimeBroker.exe -Embedding",
    "\"C:\\Windows\\system32\\BackgroundTaskHost.exe\" -ServerName:BackgroundTaskHost.WebAccountBackgroundTask",
    "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\" ",
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1",
    "cmd.exe /c \"echo %DATE% > C:\\Temp\\stamp.txt\"",
    "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
    "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --type=renderer"};
static const char *const services[] = {"Windows Update", "Background Intelligent Transfer Service",
                                       "WinHTTP Web Proxy Auto-Discovery Service",
                                       "Windows Modules Installer", "Software Protection",
                                       "Microsoft Store Install Service", "Delivery Optimization"};
static const char *const apps[] = {
    "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe",
    "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe", "System",
    "\\device\\harddiskvolume2\\program files (x86)\\microsoft\\edge\\application\\msedge.exe",
    "\\device\\harddiskvolume2\\windows\\system32\\dns.exe"};
static const uint16_t ports[] = {445, 135, 88, 389, 53, 443, 3389, 5985, 1433, 80};

static const char *user_sid(gen_record *r, unsigned u) {
  char b[96];
  snprintf(b, sizeof b, "%s-%u", fl_gen_domain_sid, 1100 + u);
  return fl_gen_rec_str(r, b);
}

static const char *guid_text(gen_record *r, gen_rng *rng) {
  uint64_t a = fl_gen_rng_next(rng), b = fl_gen_rng_next(rng);
  char t[40];
  snprintf(t, sizeof t, "{%08x-%04x-%04x-%04x-%012llx}", (unsigned)(a >> 32),
           (unsigned)(a >> 16) & 0xFFFF, (unsigned)a & 0xFFFF, (unsigned)(b >> 48),
           (unsigned long long)(b & 0xFFFFFFFFFFFFull));
  return fl_gen_rec_str(r, t);
}

static void subject_system(gen_ctx *c, const gen_host *h) {
  c->subject_sid = "S-1-5-18";
  c->subject_user = h->account;
  c->subject_domain = "CORP";
  c->subject_logon = 0x3e7;
}

static void bg_4624(gen_ctx *c, gen_record *r, const gen_host *h, gen_rng *g, int hostile) {
  unsigned u = (unsigned)fl_gen_rng_below(g, COUNT(users));
  int network = fl_gen_rng_below(g, 4) != 0;
  subject_system(c, h);
  if (network) {
    c->subject_sid = "S-1-0-0";
    c->subject_user = "-";
    c->subject_domain = "-";
    c->subject_logon = 0;
  }
  c->target_sid = user_sid(r, u);
  c->target_user = users[u];
  c->target_domain = "CORP";
  c->target_logon = fl_gen_rng_range(g, 0x100000, 0x7fffffff);
  c->logon_type = network ? 3 : (fl_gen_rng_below(g, 2) ? 2 : 11);
  c->logon_process = network ? "Kerberos" : "User32 ";
  c->auth_package = network ? "Kerberos" : "Negotiate";
  c->workstation = network ? "-" : h->name;
  if (hostile && !network) c->workstation = fl_gen_hostile_text;
  c->logon_guid = guid_text(r, g);
  c->lm_package = "-";
  c->process_id = network ? 0 : h->lsass_pid + 100;
  c->process_name = network ? "-" : "C:\\Windows\\System32\\svchost.exe";
  char ip[16], port[8];
  snprintf(ip, sizeof ip, "10.20.%u.%u", 20 + (unsigned)fl_gen_rng_below(g, 4),
           2 + (unsigned)fl_gen_rng_below(g, 250));
  snprintf(port, sizeof port, "%u", (unsigned)fl_gen_rng_range(g, 49152, 65535));
  c->ip_addr = network ? fl_gen_rec_str(r, ip) : "127.0.0.1";
  c->ip_port = network ? fl_gen_rec_str(r, port) : "0";
  c->ins_elevated = network ? 1843 : 1842;
}

static void bg_4688(gen_ctx *c, gen_record *r, const gen_host *h, gen_rng *g, int hostile) {
  unsigned p = (unsigned)fl_gen_rng_below(g, COUNT(procs));
  subject_system(c, h);
  c->new_process_id = fl_gen_rng_range(g, 0x100, 0x3000) * 4;
  c->new_process_name = procs[p];
  c->ins_token_elev = 1936;
  c->process_id = h->services_pid + 8 * fl_gen_rng_below(g, 40);
  c->cmdline = hostile && p == 7 ? fl_gen_hostile_text : cmdlines[p];
  c->parent_name = "C:\\Windows\\System32\\services.exe";
  c->label = "S-1-16-16384";
  (void)r;
}

static void bg_5156(gen_ctx *c, gen_record *r, const gen_host *h, gen_rng *g, int hostile) {
  (void)hostile;
  int inbound = fl_gen_rng_below(g, 3) == 0;
  unsigned a = (unsigned)fl_gen_rng_below(g, COUNT(apps));
  char peer[16];
  snprintf(peer, sizeof peer, "10.20.%u.%u", 10 + (unsigned)fl_gen_rng_below(g, 14),
           2 + (unsigned)fl_gen_rng_below(g, 250));
  uint16_t svc = ports[fl_gen_rng_below(g, COUNT(ports))];
  uint64_t eph = fl_gen_rng_range(g, 49152, 65535);
  c->wfp_pid = a == 2 ? 4 : h->services_pid + 4 * fl_gen_rng_below(g, 200);
  c->app_path = apps[a];
  c->ins_direction = inbound ? 14592 : 14593;
  c->src_addr = inbound ? fl_gen_rec_str(r, peer) : h->ip;
  c->dst_addr = inbound ? h->ip : fl_gen_rec_str(r, peer);
  c->src_port = eph; /* the client side: the peer inbound, this host outbound */
  c->dst_port = svc;
  c->protocol = svc == 53 ? 17 : 6;
  c->filter_rtid = fl_gen_rng_range(g, 60000, 90000);
  c->ins_layer = inbound ? 14610 : 14611;
  c->layer_rtid = inbound ? 44 : 48;
}

static void bg_4964(gen_ctx *c, gen_record *r, const gen_host *h, gen_rng *g, int hostile) {
  (void)hostile;
  unsigned u = (unsigned)fl_gen_rng_below(g, COUNT(users));
  subject_system(c, h);
  c->target_sid = user_sid(r, u);
  c->target_user = users[u];
  c->target_domain = "CORP";
  c->target_logon = fl_gen_rng_range(g, 0x100000, 0x7fffffff);
  c->logon_guid = guid_text(r, g);
  char b[160];
  snprintf(b, sizeof b, "\n\t\t%%{%s-512}\n\t\t%%{%s-519}", fl_gen_domain_sid, fl_gen_domain_sid);
  c->sidlist = fl_gen_rec_str(r, b);
}

static void bg_7036(gen_ctx *c, gen_record *r, const gen_host *h, gen_rng *g, int hostile) {
  (void)r, (void)h, (void)hostile;
  c->svc_name = services[fl_gen_rng_below(g, COUNT(services))];
  c->svc_state = fl_gen_rng_below(g, 2) ? "running" : "stopped";
}

static const gen_bg_kind kinds[] = {
    {4688, 30, bg_4688}, {5156, 30, bg_5156}, {4624, 22, bg_4624},
    {4964, 4, bg_4964},  {7036, 14, bg_7036},
};

size_t fl_gen_bg_kinds(const gen_bg_kind **out) {
  *out = kinds;
  return COUNT(kinds);
}
