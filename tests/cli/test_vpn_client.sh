#!/usr/bin/env bash
# End-to-end tests of the VPN client side (issue 14 item 2): RasClient 20227
# read from event XML diagnoses with the cause its code names (809 -> no
# answer, 13801 -> certificate trust), the coverage note says Application log
# (no audit policy), and `explain` knows RAS errors (809 is raserror.h, not
# winerror.h) and 1931. Samples in tests/data/text/ were written from the
# documented layouts (windows-events.md §5.1, technet "RAS Connection
# Establishment"). Never writes outside $TMP (cli_lib.sh).
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/asan/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
DATA=$FL_ROOT/tests/data/text

expect_exit vpn_explain_809 0 -- explain 809
expect_out vpn_explain_809_ras 'RAS error \(raserror\.h'
expect_out vpn_explain_809_sym 'ERROR_VPN_TIMEOUT'
expect_out vpn_explain_809_natt 'AssumeUDPEncapsulationContextOnSendRule'
expect_exit vpn_explain_691 0 -- explain 691
expect_out vpn_explain_691_sym 'ERROR_AUTHENTICATION_FAILURE'
expect_exit vpn_explain_1931 0 -- explain 1931
expect_out vpn_explain_1931_sym 'ERROR_CONTEXT_EXPIRED'

expect_exit vpn_diagnose 1 -- diagnose --db "$TMP/x.db" "$DATA/rasclient.xml"
expect_out vpn_diagnose_809 '\(vpn-no-answer\)'
expect_out vpn_diagnose_13801 '\(vpn-cert-untrusted\)'
expect_out vpn_diagnose_note 'Application log; no audit policy'
expect_no_out vpn_diagnose_no_audit_note 'No IPsec Main Mode events'
