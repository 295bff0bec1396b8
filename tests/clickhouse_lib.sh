# Helpers for tests and benchmarks that run real ClickHouse shards
# (Debian's clickhouse-server) as the current user on 127.0.0.1: free ports,
# every path under $TMP/chN, each server bounded by `timeout`. Sourced by
# tests/cli/test_clickhouse.sh and bench/clickhouse.sh, which set TMP, CH
# (the server binary), PY and PIDS (an array the caller's cleanup kills);
# CH_TIMEOUT (seconds, default 120) bounds each server.
# Never starts anything on another address, never writes outside $TMP.

# ch_ports: H1 H2 (HTTP) and T1 T2 (native, for the Distributed table)
ch_ports() {
  read -r H1 H2 T1 T2 < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
}

# config of shard $1 (http port $2, tcp port $3): everything under $TMP/chN
mkconf() {
  local d=$TMP/ch$1
  mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/log"
  cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <remote_servers>
    <fltest>
      <shard><replica><host>127.0.0.1</host><port>$T1</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$T2</port></replica></shard>
    </fltest>
  </remote_servers>
</yandex>
EOF
  cat >"$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>${CH_MAX_MEMORY:-1000000000}</max_memory_usage><max_bytes_before_external_sort>${CH_EXTERNAL_SORT:-0}</max_bytes_before_external_sort></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
}
SHARD_PID=(0 0 0)
start_shard() { # N HTTP_PORT
  timeout "${CH_TIMEOUT:-120}" "$CH" --config-file="$TMP/ch$1/config.xml" >"$TMP/ch$1/out" 2>&1 &
  SHARD_PID[$1]=$!
  PIDS+=($!)
  for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$2/?query=SELECT%201" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "FAIL clickhouse_start shard $1: $(tail -c 300 "$TMP/ch$1/log/error.log" 2>/dev/null)"
  exit 0
}
stop_shard() {
  kill "${SHARD_PID[$1]}" 2>/dev/null
  wait "${SHARD_PID[$1]}" 2>/dev/null
}
q() { curl -sS "http://127.0.0.1:$1/" --data-binary "$2"; }

