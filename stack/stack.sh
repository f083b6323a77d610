#!/usr/bin/env bash
# Local Kafka + Cassandra + Jaeger for development and tests, without Docker.
#
#   stack/stack.sh up [--secure] [svc...]  install (cached) + start + wait until each answers;
#                                    --secure adds kafka-secure and cassandra-secure (TLS, SASL/SCRAM,
#                                    Cassandra auth) and writes their client settings to .stack/secure.env
#   stack/stack.sh up --cluster      also 3 Kafka nodes (kafka-1..3) and 3 Cassandra nodes
#                                    (cassandra-1..3); writes .stack/cluster.env
#   stack/stack.sh down [svc...]     stop what `up` started (pid files), SIGTERM then SIGKILL
#   stack/stack.sh kill svc          SIGKILL one server (fault tests), then `start svc` brings it back
#   stack/stack.sh start|stop svc    the same for one server (fault tests)
#   stack/stack.sh restart svc
#   stack/stack.sh status            port, pid and state of each server
#   stack/stack.sh reset             stop everything and wipe .stack/ (data, logs, pids)
#   stack/stack.sh install [svc...]  only download/build into the cache
#   stack/stack.sh logs svc          tail the server's log
#   stack/stack.sh nodetool ...      Cassandra nodetool over local JMX (127.0.0.1:7199)
#
# svc is kafka, cassandra, jaeger, kafka-secure, cassandra-secure, kafka-1..3 or cassandra-1..3.
# See stack/README.md.
set -euo pipefail

STACK_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$STACK_SRC/.." && pwd)"
STATE="${STACK_STATE_DIR:-$REPO/.stack}"
HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
CACHE="${USERS_PIPELINE_STACK_CACHE:-$HOME/.cache/users-pipeline-stack}"

KAFKA_VERSION="${STACK_KAFKA_VERSION:-4.4.0}"
CASSANDRA_VERSION="${STACK_CASSANDRA_VERSION:-5.0.9}"
JAEGER_VERSION="${STACK_JAEGER_VERSION:-v1.76.0}"
JAEGER_PKG="github.com/jaegertracing/jaeger/cmd/jaeger"

KAFKA_HEAP="${STACK_KAFKA_HEAP:--Xms512m -Xmx1g}"  # STACK_KAFKA_JVM_OPTS / STACK_CASSANDRA_JVM_OPTS add flags
CASSANDRA_HEAP="${STACK_CASSANDRA_HEAP:--Xms1g -Xmx1g}"
CASSANDRA_JMX_PORT="${STACK_CASSANDRA_JMX_PORT-7199}" # empty: JMX off
JAEGER_LISTEN_HOST="${JAEGER_LISTEN_HOST:-127.0.0.1}"

# readiness timeouts (s), from process start
declare -A READY_TIMEOUT=(
  [kafka]="${STACK_KAFKA_TIMEOUT:-120}"
  [cassandra]="${STACK_CASSANDRA_TIMEOUT:-240}"
  [jaeger]="${STACK_JAEGER_TIMEOUT:-60}"
  [kafka-secure]="${STACK_KAFKA_TIMEOUT:-120}"
  [cassandra-secure]="${STACK_CASSANDRA_TIMEOUT:-240}"
  [kafka-1]="${STACK_KAFKA_TIMEOUT:-120}" [kafka-2]="${STACK_KAFKA_TIMEOUT:-120}" [kafka-3]="${STACK_KAFKA_TIMEOUT:-120}"
  [cassandra-1]="${STACK_CASSANDRA_TIMEOUT:-240}" [cassandra-2]="${STACK_CASSANDRA_TIMEOUT:-240}" [cassandra-3]="${STACK_CASSANDRA_TIMEOUT:-240}"
)
STOP_TIMEOUT="${STACK_STOP_TIMEOUT:-45}"
PLAIN=(kafka cassandra jaeger)
SECURE=(kafka-secure cassandra-secure)
CLUSTER=(kafka-1 kafka-2 kafka-3 cassandra-1 cassandra-2 cassandra-3)
ALL=("${PLAIN[@]}" "${SECURE[@]}" "${CLUSTER[@]}")
declare -A PORTS=([kafka]="9092,9094" [cassandra]="9042,7000" [jaeger]="4317,4318,16686"
  [kafka-secure]="9093,9095" [cassandra-secure]="9142,7001"
  [kafka-1]="9192,9193" [kafka-2]="9292,9293" [kafka-3]="9392,9393"
  [cassandra-1]="127.0.0.2:9042" [cassandra-2]="127.0.0.3:9042" [cassandra-3]="127.0.0.4:9042")
# where each server answers (host:port)
declare -A MAIN_ADDR=([kafka]=127.0.0.1:9092 [cassandra]=127.0.0.1:9042 [jaeger]=127.0.0.1:16686
  [kafka-secure]=127.0.0.1:9093 [cassandra-secure]=127.0.0.1:9142
  [kafka-1]=127.0.0.1:9192 [kafka-2]=127.0.0.1:9292 [kafka-3]=127.0.0.1:9392
  [cassandra-1]=127.0.0.2:9042 [cassandra-2]=127.0.0.3:9042 [cassandra-3]=127.0.0.4:9042)
CLUSTER_KAFKA_HEAP="${STACK_CLUSTER_KAFKA_HEAP:--Xms256m -Xmx512m}"
CLUSTER_CASSANDRA_HEAP="${STACK_CLUSTER_CASSANDRA_HEAP:--Xms768m -Xmx768m}"
CLUSTER_ENV="$STATE/cluster.env"
CASSANDRA_SECURE_JMX_PORT="${STACK_CASSANDRA_SECURE_JMX_PORT-7299}"

RUN="$STATE/run"
LOGS="$STATE/logs"
SECRETS="$STATE/secure"      # CA, certificates, keystores and passwords of the secured servers
SECURE_ENV="$STATE/secure.env"

# ---------------------------------------------------------------- helpers

say() { local who="$1"; shift; printf '[%s %s] %s\n' "$(date +%T)" "$who" "$*"; }
die() { say stack "ERROR: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

check_svc() {
  [[ -n "${MAIN_ADDR[$1]:-}" ]] || die "unknown server '$1' (${ALL[*]})"
}

# TCP port answers? $1 is host:port
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/${1%:*}/${1##*:}" 2>/dev/null; }

pidfile() { echo "$RUN/$1.pid"; }

# process exists and is not a zombie (an exited child waits to be reaped; PID 1 here may be slow at it)
alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# pid of a live process that this .stack started for $1 (its command line names $STATE), or nothing
live_pid() {
  local f pid
  f="$(pidfile "$1")"
  [[ -s "$f" ]] || return 0
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE/"; then
    echo "$pid"
  fi
}

node_bin() {
  if [[ -n "${STACK_NODE:-}" ]]; then echo "$STACK_NODE"
  elif [[ -x "$REPO/node_modules/.bin/node" ]]; then echo "$REPO/node_modules/.bin/node"
  else command -v node || die "node not found"
  fi
}

# A Java 17..23 home (Cassandra 5.0 needs 11/17; JDK >= 24 removed the SecurityManager it calls).
java_ok() {
  local home="$1" v
  [[ -x "$home/bin/java" ]] || return 1
  if [[ -f "$home/release" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")"
  else
    v="$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  fi
  [[ "$v" =~ ^[0-9]+$ ]] && ((v >= 17 && v <= 23))
}
find_java() {
  local c
  for c in "${STACK_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/*17* \
    "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [[ -n "$c" ]] && java_ok "$c" && { echo "$c"; return 0; }
  done
  return 1
}
need_java() {
  [[ -n "${JAVA17:-}" ]] && return 0
  if ! JAVA17="$(find_java)"; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
      say stack "no Java 17 found: apt-get install openjdk-17-jdk-headless"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
      JAVA17="$(find_java)" || die "Java 17 still not found"
    else
      die "Java 17 not found: install openjdk-17 or set STACK_JAVA_HOME (JDK >= 24 cannot run Cassandra 5.0)"
    fi
  fi
  export JAVA17
}
need_mvn() {
  command -v mvn >/dev/null && return 0
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    say stack "mvn not found: apt-get install maven"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
  fi
  command -v mvn >/dev/null || die "mvn not found (install Maven 3)"
}

# ---------------------------------------------------------------- install (machine-wide cache)

pom_key() { sha256sum "$STACK_SRC/maven/$1/pom.xml" | cut -c1-8; }
kafka_lib() { echo "$CACHE/kafka/$KAFKA_VERSION-$(pom_key kafka)/lib"; }
cassandra_lib() { echo "$CACHE/cassandra/$CASSANDRA_VERSION-$(pom_key cassandra)/lib"; }
jaeger_bin() { echo "$CACHE/jaeger/$JAEGER_VERSION/jaeger"; }

# mvn dependency:copy-dependencies of stack/maven/$1/pom.xml into $2 (a lib dir), once per key.
maven_install() {
  local svc="$1" lib="$2" prop="$3" ver="$4" tmp log
  [[ -f "$lib/.complete" ]] && return 0
  need_mvn
  need_java
  mkdir -p "$(dirname "$lib")" "$LOGS"
  log="$LOGS/install-$svc.log"
  say "$svc" "resolving $svc $ver from Maven Central into $lib (log: $log)"
  # one mvn at a time on this machine: concurrent runs race on ~/.m2
  (
    flock 9
    [[ -f "$lib/.complete" ]] && exit 0
    tmp="$lib.tmp.$$"
    rm -rf "$tmp"
    if ! JAVA_HOME="$JAVA17" mvn -B -ntp -f "$STACK_SRC/maven/$svc/pom.xml" "-D$prop=$ver" \
      dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp" >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      rm -rf "$tmp"
      exit 1
    fi
    rm -rf "$lib"
    mv "$tmp" "$lib"
    touch "$lib/.complete"
  ) 9>"$CACHE/.maven.lock"
}

install_kafka() { maven_install kafka "$(kafka_lib)" kafka.version "$KAFKA_VERSION"; }
install_cassandra() { maven_install cassandra "$(cassandra_lib)" cassandra.version "$CASSANDRA_VERSION"; }

# go build of Jaeger v2 from the Go module proxy, in a scratch module (go get -tool keeps the
# module's exact dependency versions). Uses the default GOMODCACHE/GOCACHE, which makes rebuilds cheap.
install_jaeger() {
  local bin dir log
  bin="$(jaeger_bin)"
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null || die "go not found: Jaeger is built from source (needs Go >= 1.25)"
  dir="$(dirname "$bin")"
  mkdir -p "$dir/mod" "$LOGS"
  log="$LOGS/install-jaeger.log"
  say jaeger "building jaeger $JAEGER_VERSION with $(go env GOVERSION) (5-10 min on 2 cores when the Go caches are cold; log: $log)"
  (
    flock 9
    [[ -x "$bin" ]] && exit 0
    cd "$dir/mod"
    [[ -f go.mod ]] || printf 'module users-pipeline-stack/jaeger-build\n\ngo 1.25\n' >go.mod
    if ! { GOTOOLCHAIN="${GOTOOLCHAIN:-local}" go get -tool "$JAEGER_PKG@$JAEGER_VERSION" &&
      GOTOOLCHAIN="${GOTOOLCHAIN:-local}" go build -trimpath -o "$bin.tmp.$$" "$JAEGER_PKG"; } >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      rm -f "$bin.tmp.$$"
      exit 1
    fi
    mv "$bin.tmp.$$" "$bin"
  ) 9>"$dir/.lock"
}

install_svc() { mkdir -p "$CACHE"; "install_$(base_of "$1")"; }
base_of() { case "$1" in kafka*) echo kafka ;; cassandra*) echo cassandra ;; *) echo "$1" ;; esac; }

# ---------------------------------------------------------------- start

# Start a detached server (own session, stdin closed, output to its stdout.log); the process
# writes its own pid before exec'ing the server, so the pid file names the server itself.
launch() {
  local svc="$1" dir="$2"; shift 2
  local pf out i
  pf="$(pidfile "$svc")"
  out="$LOGS/$svc/stdout.log"
  mkdir -p "$RUN" "$LOGS/$svc"
  rm -f "$pf"
  printf '\n===== %s: starting %s\n' "$(date -Is)" "$svc" >>"$out"
  # fds 8/9 are this script's lock files: the server must not inherit (and so hold) them
  (cd "$dir" && exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" >>"$out" 2>&1 </dev/null 8>&- 9>&-) &
  for i in $(seq 1 100); do
    [[ -s "$pf" ]] && return 0
    sleep 0.05
  done
  die "$svc: no pid file after launch"
}

# A KRaft node: $1 is its server name (its .stack folder), $2 its properties template, $3 its heap
# flags, $4 a sed expression for the template (or empty), $5 the cluster id file, the rest extra
# StorageTool format arguments (SCRAM users).
start_kafka_node() {
  local svc="$1" template="$2" heap="$3" edit="$4" idfile="$5" lib dir props cid
  shift 5
  lib="$(kafka_lib)"
  dir="$STATE/$svc"
  props="$dir/server.properties"
  mkdir -p "$dir/data" "$LOGS/$svc"
  render "$template" "s#@KAFKA_DATA@#$dir/data#g" ${edit:+"$edit"} >"$props"
  local jvm=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dkafka.logs.dir=$LOGS/$svc" "-Dlog4j2.configurationFile=$STACK_SRC/conf/kafka-log4j2.xml"
    -cp "$lib/*")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    # KRaft storage must be formatted once; StorageTool calls System.exit, so its own JVM.
    # the nodes of one cluster share an id (made once, under a lock). Like Kafka's own Uuid.randomUuid, never one that
    # starts with "-": the storage tool would read it as an option (one id in 64 did, failing a clean-clone run).
    cid="$({
      flock 9
      [[ -s "$idfile" ]] || "$(node_bin)" -e 'let id;do{const b=require("crypto").randomBytes(16);b[6]=(b[6]&15)|64;b[8]=(b[8]&63)|128;id=b.toString("base64url")}while(id.startsWith("-"));process.stdout.write(id)' >"$idfile"
      cat "$idfile"
    } 9>"$idfile.lock")"
    say "$svc" "formatting KRaft storage (cluster id $cid)"
    if ! "$JAVA17/bin/java" -Xmx256m -XX:TieredStopAtLevel=1 "${jvm[@]}" kafka.tools.StorageTool \
      format --ignore-formatted -t "$cid" -c "$props" "$@" >"$LOGS/$svc/format.log" 2>&1; then
      tail -n 40 "$LOGS/$svc/format.log" >&2
      return 1
    fi
  fi
  launch "$svc" "$dir" "$JAVA17/bin/java" $heap "${jvm[@]}" ${STACK_KAFKA_JVM_OPTS:-} kafka.Kafka "$props"
}

start_kafka() { start_kafka_node kafka "$STACK_SRC/conf/kafka.properties" "$KAFKA_HEAP" "" "$STATE/kafka/cluster.id"; }

# kafka-N of the cluster profile: node N, client port 9N92, controller port 9N93
start_kafka_cluster_node() {
  start_kafka_node "kafka-$1" "$STACK_SRC/conf/kafka-cluster.properties" "$CLUSTER_KAFKA_HEAP" \
    "s#@NODE_ID@#$1#g; s#@PORT@#9${1}92#g; s#@CONTROLLER_PORT@#9${1}93#g" "$RUN/kafka-cluster.id"
}
start_kafka-1() { start_kafka_cluster_node 1; }
start_kafka-2() { start_kafka_cluster_node 2; }
start_kafka-3() { start_kafka_cluster_node 3; }

start_kafka-secure() {
  secure_material
  start_kafka_node kafka-secure "$STACK_SRC/conf/kafka-secure.properties" "$KAFKA_HEAP" "" "$STATE/kafka-secure/cluster.id" \
    --add-scram "SCRAM-SHA-512=[name=broker,password=$(secret broker)]" \
    --add-scram "SCRAM-SHA-512=[name=users-pipeline,password=$(secret kafka-client)]"
}

# A Cassandra node: $1 its server name, $2 its JMX port (empty: off), $3 a sed script for its yaml,
# $4 a fragment appended to the yaml (or empty), $5 its heap flags, $6 its token.
start_cassandra_node() {
  local svc="$1" jmx="$2" edit="$3" extra="$4" heap="$5" token="$6" lib dir yaml opts jamm
  lib="$(cassandra_lib)"
  dir="$STATE/$svc"
  yaml="$dir/cassandra.yaml"
  mkdir -p "$dir/data" "$dir/tmp" "$LOGS/$svc"
  {
    sed -e "s#@CASSANDRA_DATA@#$dir/data#g" -e "s#^initial_token: .*#initial_token: $token#" ${edit:+-e "$edit"} "$STACK_SRC/conf/cassandra.yaml"
    [[ -z "$extra" ]] || render "$extra"
  } >"$yaml"
  mapfile -t opts < <(grep -v -e '^\s*#' -e '^\s*$' "$STACK_SRC/conf/cassandra-jvm.options")
  jamm="$(ls "$lib"/jamm-*.jar | head -n 1)"
  local jvm=($heap "${opts[@]}" "-javaagent:$jamm"
    "-Dcassandra.config=file://$yaml" "-Dcassandra.storagedir=$dir/data"
    "-Dcassandra.logdir=$LOGS/$svc" "-Dlogback.configurationFile=$STACK_SRC/conf/cassandra-logback.xml"
    "-Djava.io.tmpdir=$dir/tmp" "-Djna.tmpdir=$dir/tmp" "-Dcassandra.initial_token=$token" -Dcassandra.superuser_setup_delay_ms=0)
  [[ -n "$jmx" ]] && jvm+=("-Dcassandra.jmx.local.port=$jmx")
  launch "$svc" "$dir" "$JAVA17/bin/java" "${jvm[@]}" ${STACK_CASSANDRA_JVM_OPTS:-} -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
}

start_cassandra() { start_cassandra_node cassandra "$CASSANDRA_JMX_PORT" "" "" "$CASSANDRA_HEAP" 0; }

# cassandra-N of the cluster profile: address 127.0.0.(N+1), JMX 7(N+2)99, one token each, evenly
# spaced; cassandra-1 is the seed. Fresh nodes join without bootstrap streaming (auto_bootstrap: false
# in cassandra-cluster.yaml), so the three start together; the others wait for the seed's gossip port.
start_cassandra_cluster_node() {
  local n="$1" ip="127.0.0.$(($1 + 1))" i
  local tokens=(-9223372036854775808 -3074457345618258603 3074457345618258602)
  if ((n > 1)); then
    for ((i = 0; i < 240; i++)); do port_open 127.0.0.2:7000 && break; sleep 1; done
  fi
  start_cassandra_node "cassandra-$n" "7$((n + 2))99" \
    "s#^cluster_name: .*#cluster_name: users-pipeline-cluster#; s#127.0.0.1:7000#127.0.0.2:7000#; s#^listen_address: .*#listen_address: $ip#; s#^rpc_address: .*#rpc_address: $ip#; s#^hinted_handoff_enabled: .*#hinted_handoff_enabled: true#" \
    "$STACK_SRC/conf/cassandra-cluster.yaml" "$CLUSTER_CASSANDRA_HEAP" "${tokens[$((n - 1))]}"
}
start_cassandra-1() { start_cassandra_cluster_node 1; }
start_cassandra-2() { start_cassandra_cluster_node 2; }
start_cassandra-3() { start_cassandra_cluster_node 3; }

start_cassandra-secure() {
  secure_material
  start_cassandra_node cassandra-secure "$CASSANDRA_SECURE_JMX_PORT" \
    's#^cluster_name: .*#cluster_name: users-pipeline-secure#; s#127.0.0.1:7000#127.0.0.1:7001#; s#^storage_port: .*#storage_port: 7001#; s#^native_transport_port: .*#native_transport_port: 9142#' \
    "$STACK_SRC/conf/cassandra-secure.yaml" "$CASSANDRA_HEAP" 0
}

# The cluster profile's client settings, as a production user would set them.
write_cluster_env() {
  cat >"$CLUSTER_ENV.tmp" <<ENV
KAFKA_BROKERS=127.0.0.1:9192,127.0.0.1:9292,127.0.0.1:9392
KAFKA_TOPIC_REPLICATION=3
CASSANDRA_CONTACT_POINTS=127.0.0.2:9042,127.0.0.3:9042,127.0.0.4:9042
CASSANDRA_LOCAL_DC=datacenter1
CASSANDRA_REPLICATION_STRATEGY=NetworkTopologyStrategy
CASSANDRA_REPLICATION_FACTOR=3
CASSANDRA_CONSISTENCY=LOCAL_QUORUM
ENV
  mv "$CLUSTER_ENV.tmp" "$CLUSTER_ENV"
}

# ---------------------------------------------------------------- secured servers' material

secret() { cat "$SECRETS/$1.password"; }

# A config template with the secured stack's placeholders filled in (plus optional sed expressions).
render() {
  local template="$1"
  shift
  local args=(-e "s#@TLS_DIR@#$SECRETS#g")
  if [[ -d "$SECRETS" ]]; then
    args+=(-e "s#@STORE_PASSWORD@#$(secret store)#g" -e "s#@BROKER_PASSWORD@#$(secret broker)#g")
  fi
  for e in "$@"; do args+=(-e "$e"); done
  sed "${args[@]}" "$template"
}

# A throw-away CA, a server certificate (localhost, 127.0.0.1) and a client certificate signed by
# it, the servers' PKCS12 key and trust stores, and random passwords; made once per .stack (locked).
secure_material() {
  mkdir -p "$RUN"
  (
    flock 9
    [[ -f "$SECRETS/.complete" ]] && exit 0
    local tmp="$SECRETS.tmp.$$" p
    rm -rf "$tmp"
    mkdir -p "$tmp" "$LOGS"
    umask 077
    cd "$tmp"
    {
      for p in store broker kafka-client cassandra-client cassandra-admin; do openssl rand -hex 24 >"$p.password"; done
      openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=users-pipeline local stack CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout ca.key -out ca.pem
      cert() { # name, subject, extended key usage, SAN (or empty)
        openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key" -out "$1.csr"
        printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s' \
          "$3" "${4:+subjectAltName=$4}" >"$1.ext"
        openssl x509 -req -sha256 -days 825 -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -extfile "$1.ext" -out "$1.pem"
      }
      cert server "/CN=localhost" serverAuth,clientAuth "DNS:localhost,IP:127.0.0.1"
      cert client "/CN=users-pipeline" clientAuth ""
      openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name server \
        -passout "pass:$(cat store.password)" -out server.p12
      "$JAVA17/bin/keytool" -importcert -noprompt -alias stack-ca -file ca.pem -storetype PKCS12 \
        -keystore truststore.p12 -storepass "$(cat store.password)"
      rm -f ./*.csr ./*.ext ca.srl
    } >"$LOGS/secure-material.log" 2>&1 || { tail -n 20 "$LOGS/secure-material.log" >&2; exit 1; }
    chmod 600 ./*
    chmod 700 .
    touch .complete
    cd /
    rm -rf "$SECRETS"
    mv "$tmp" "$SECRETS"
  ) 9>"$RUN/.secure.lock"
}

# The client settings of the secured servers, one KEY=value per line (`set -a; . .stack/secure.env`,
# `node --env-file=.stack/secure.env`, or docker's --env-file).
write_secure_env() {
  umask 077
  cat >"$SECURE_ENV.tmp" <<ENV
KAFKA_BROKERS=127.0.0.1:9093
KAFKA_SSL=true
KAFKA_SSL_CA_FILE=$SECRETS/ca.pem
KAFKA_SSL_CERT_FILE=$SECRETS/client.pem
KAFKA_SSL_KEY_FILE=$SECRETS/client.key
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=users-pipeline
KAFKA_SASL_PASSWORD=$(secret kafka-client)
CASSANDRA_CONTACT_POINTS=127.0.0.1:9142
CASSANDRA_TLS=true
CASSANDRA_TLS_CA_FILE=$SECRETS/ca.pem
CASSANDRA_TLS_CERT_FILE=$SECRETS/client.pem
CASSANDRA_TLS_KEY_FILE=$SECRETS/client.key
CASSANDRA_TLS_SERVER_NAME=localhost
CASSANDRA_USERNAME=users_pipeline
CASSANDRA_PASSWORD=$(secret cassandra-client)
ENV
  mv "$SECURE_ENV.tmp" "$SECURE_ENV"
}

start_jaeger() {
  local dir="$STATE/jaeger"
  mkdir -p "$dir" "$LOGS/jaeger"
  cp "$STACK_SRC/conf/jaeger.yaml" "$dir/config.yaml"
  JAEGER_LISTEN_HOST="$JAEGER_LISTEN_HOST" launch jaeger "$dir" "$(jaeger_bin)" --config "$dir/config.yaml"
}

server_log() {
  case "$1" in
    kafka*) echo "$LOGS/$1/server.log" ;;
    cassandra*) echo "$LOGS/$1/system.log" ;;
    jaeger) echo "$LOGS/jaeger/stdout.log" ;;
  esac
}

print_tail() {
  local svc="$1" f
  f="$(server_log "$svc")"
  if [[ "$f" != "$LOGS/$svc/stdout.log" && -s "$LOGS/$svc/stdout.log" ]]; then
    echo "----- tail of $LOGS/$svc/stdout.log" >&2
    tail -n 15 "$LOGS/$svc/stdout.log" >&2
  fi
  if [[ -s "$f" ]]; then
    echo "----- tail of $f" >&2
    tail -n 40 "$f" >&2
  fi
  echo "-----" >&2
}

# Wait until the server answers for real (probe.mjs); fail early if its process dies.
wait_ready() {
  local svc="$1" pid="$2" timeout="$3"
  STACK_SECRETS="$SECRETS" "$(node_bin)" "$STACK_SRC/probe.mjs" "$svc" --timeout "$timeout" ${pid:+--pid "$pid"}
}

# up for one server; writes "svc state install_s boot_s" to $RUN/$svc.timing
up_one() {
  local svc="$1" t0 t1 t2 pid state=started install_s=0 boot_s
  t0="$(now_ms)"
  rm -f "$RUN/$svc.timing"
  pid="$(live_pid "$svc")"
  if [[ -n "$pid" ]]; then
    state=already-running
    say "$svc" "already running (pid $pid), checking it answers"
  elif port_open "${MAIN_ADDR[$svc]}"; then
    state=external
    say "$svc" "WARNING: ${MAIN_ADDR[$svc]} is answering but not for a process of $STATE; using it as is (stack:down will not stop it)"
  else
    install_svc "$svc" || { say "$svc" "install FAILED"; return 1; }
    t1="$(now_ms)"
    install_s="$(secs "$t0" "$t1")"
    [[ "$svc" == jaeger ]] || need_java
    "start_$svc" || { say "$svc" "start FAILED"; print_tail "$svc"; return 1; }
    pid="$(<"$(pidfile "$svc")")"
    say "$svc" "started pid $pid (install/cache check ${install_s}s), waiting until it answers"
  fi
  t1="$(now_ms)"
  if ! wait_ready "$svc" "$pid" "${READY_TIMEOUT[$svc]}"; then
    say "$svc" "NOT READY: see the log tail below"
    print_tail "$svc"
    return 1
  fi
  t2="$(now_ms)"
  boot_s="$(secs "$t1" "$t2")"
  say "$svc" "ready: $state, boot ${boot_s}s"
  echo "$svc $state $install_s $boot_s $(secs "$t0" "$t2")" >"$RUN/$svc.timing"
}

cmd_up() {
  local svcs=() s rc=0 t0 secure=0 cluster=0
  for s in "$@"; do
    case "$s" in
      --secure) secure=1 ;;
      --cluster) cluster=1 ;;
      *) svcs+=("$s") ;;
    esac
  done
  if ((${#svcs[@]} == 0)); then
    svcs=("${PLAIN[@]}")
    ((secure)) && svcs+=("${SECURE[@]}")
    ((cluster)) && svcs+=("${CLUSTER[@]}")
  fi
  for s in "${svcs[@]}"; do check_svc "$s"; done
  mkdir -p "$RUN" "$LOGS" "$CACHE"
  t0="$(now_ms)"
  # two concurrent `up`s (e.g. two test runs) would both start servers: the second one waits
  exec 8>"$RUN/.up.lock"
  flock -n 8 || { say stack "another stack:up is running in $STATE; waiting for it"; flock 8; }
  local -A jobs=()
  for s in "${svcs[@]}"; do
    up_one "$s" &
    jobs[$s]=$!
  done
  local failed=()
  for s in "${svcs[@]}"; do
    wait "${jobs[$s]}" || failed+=("$s")
  done
  echo
  printf '%-17s %-16s %10s %8s %8s\n' SERVER STATE INSTALL_S BOOT_S TOTAL_S
  for s in "${svcs[@]}"; do
    if [[ -s "$RUN/$s.timing" ]]; then
      read -r _ st is bs ts <"$RUN/$s.timing"
      printf '%-17s %-16s %10s %8s %8s\n' "$s" "$st" "$is" "$bs" "$ts"
    else
      printf '%-17s %-16s\n' "$s" FAILED
    fi
  done
  for s in "${svcs[@]}"; do
    if [[ "$s" == *-secure && ${#failed[@]} -eq 0 ]]; then
      write_secure_env
      say stack "secured servers' client settings: $SECURE_ENV (set -a; . $SECURE_ENV; set +a)"
      break
    fi
  done
  if ((cluster && ${#failed[@]} == 0)); then
    write_cluster_env
    say stack "cluster client settings: $CLUSTER_ENV (set -a; . $CLUSTER_ENV; set +a)"
  fi
  say stack "stack:up took $(secs "$t0" "$(now_ms)")s"
  if ((${#failed[@]})); then
    say stack "FAILED: ${failed[*]}" >&2
    rc=1
  fi
  return $rc
}

# ---------------------------------------------------------------- stop

stop_one() {
  local svc="$1" pid t0 i
  pid="$(live_pid "$svc")"
  if [[ -z "$pid" ]]; then
    rm -f "$(pidfile "$svc")"
    say "$svc" "not running"
    return 0
  fi
  t0="$(now_ms)"
  say "$svc" "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "$svc" "still alive after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
  fi
  alive "$pid" && die "$svc: pid $pid does not die"
  rm -f "$(pidfile "$svc")"
  say "$svc" "stopped in $(secs "$t0" "$(now_ms)")s"
}

cmd_kill() {
  local svc="$1" pid
  check_svc "$svc"
  pid="$(live_pid "$svc")"
  [[ -n "$pid" ]] || { say "$svc" "not running"; return 0; }
  say "$svc" "kill -9 pid $pid"
  kill -KILL "$pid"
  while alive "$pid"; do sleep 0.1; done
  rm -f "$(pidfile "$svc")"
}

cmd_down() {
  local svcs=("$@") s
  ((${#svcs[@]})) || svcs=("${ALL[@]}")
  for s in "${svcs[@]}"; do check_svc "$s"; done
  local -A jobs=()
  for s in "${svcs[@]}"; do
    stop_one "$s" &
    jobs[$s]=$!
  done
  local rc=0
  for s in "${svcs[@]}"; do wait "${jobs[$s]}" || rc=1; done
  return $rc
}

# ---------------------------------------------------------------- status / reset / misc

cmd_status() {
  local s pid state rss
  printf '%-17s %-16s %-8s %-14s %s\n' SERVER PORTS PID STATE RSS
  for s in "${ALL[@]}"; do
    pid="$(live_pid "$s")"
    rss=-
    if [[ -n "$pid" ]]; then
      rss="$(awk '/^VmRSS/ { printf "%d MiB", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo -)"
      if port_open "${MAIN_ADDR[$s]}"; then state=running; else state="not answering"; fi
    else
      pid=-
      if port_open "${MAIN_ADDR[$s]}"; then state="external"; else state=stopped; fi
    fi
    printf '%-17s %-16s %-8s %-14s %s\n' "$s" "${PORTS[$s]}" "$pid" "$state" "$rss"
  done
  echo "state: $STATE   cache: $CACHE"
  [[ -f "$SECURE_ENV" ]] && echo "secured servers' client settings: $SECURE_ENV"
  [[ -f "$CLUSTER_ENV" ]] && echo "cluster client settings: $CLUSTER_ENV"
  return 0
}

cmd_reset() {
  cmd_down
  case "$STATE" in
    "" | / | "$HOME" | "$REPO") die "refusing to wipe '$STATE'" ;;
  esac
  say stack "wiping $STATE (data, logs, pids)"
  rm -rf -- "$STATE"
  say stack "done; \`npm run stack:up\` starts a fresh stack"
}

cmd_logs() {
  check_svc "${1:-}"
  tail -n "${2:-100}" "$(server_log "$1")"
}

cmd_install() {
  local svcs=("$@") s
  ((${#svcs[@]})) || svcs=("${ALL[@]}")
  local -A jobs=()
  for s in "${svcs[@]}"; do
    check_svc "$s"
    install_svc "$s" &
    jobs[$s]=$!
  done
  local rc=0
  for s in "${svcs[@]}"; do wait "${jobs[$s]}" || rc=1; done
  say stack "cache: $CACHE ($(du -sh "$CACHE" | cut -f1))"
  return $rc
}

cmd="${1:-}"
shift || true
case "$cmd" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  start) [[ $# -eq 1 ]] || die "usage: stack.sh start <svc>"; cmd_up "$1" ;;
  stop) [[ $# -eq 1 ]] || die "usage: stack.sh stop <svc>"; cmd_down "$1" ;;
  restart) [[ $# -eq 1 ]] || die "usage: stack.sh restart <svc>"; cmd_down "$1" && cmd_up "$1" ;;
  kill) [[ $# -eq 1 ]] || die "usage: stack.sh kill <svc>"; cmd_kill "$1" ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  install) cmd_install "$@" ;;
  logs) cmd_logs "$@" ;;
  nodetool)
    need_java
    mapfile -t jpms < <(grep -e '^--add-' "$STACK_SRC/conf/cassandra-jvm.options")
    exec "$JAVA17/bin/java" -Xmx128m "${jpms[@]}" -cp "$(cassandra_lib)/*" -Dlogback.configurationFile="$STACK_SRC/conf/cassandra-logback.xml" \
      -Dcassandra.logdir="$LOGS/cassandra" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "${CASSANDRA_JMX_PORT:-7199}" "$@"
    ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; [[ -z "$cmd" || "$cmd" == help || "$cmd" == -h ]] ;;
esac
