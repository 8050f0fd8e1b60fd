#!/usr/bin/env bash
# `make run`: bring up Baton on a fresh machine -- Redis (if none answers), database
# migrations, an admin user and API token, the example processes, a worker and the web server.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p var
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/baton.db}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export PORT="${PORT:-8000}"
export PYTHONUNBUFFERED=1

PY=.venv/bin/python
BATON=.venv/bin/baton

log() { printf 'run: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -x $PY ]] || die "$PY is missing; run \`make install\` first"
[[ -x $BATON ]] || die "$BATON is missing; run \`make install\` first"

# --- everything started here is stopped on exit -----------------------------------------------
pids=()        # background processes we started (each is its own process group when setsid exists)
names=()
redis_pid=""

start_bg() {   # start_bg NAME LOGFILE|- CMD...; sets $last_pid
    local name=$1 logfile=$2; shift 2
    local launcher=()
    command -v setsid >/dev/null 2>&1 && launcher=(setsid)
    if [[ $logfile == - ]]; then
        "${launcher[@]}" "$@" </dev/null &
    else
        "${launcher[@]}" "$@" </dev/null >>"$logfile" 2>&1 &
    fi
    last_pid=$!
    pids+=("$last_pid")
    names+=("$name")
}

stop_group() {  # stop_group PID...: TERM each process group, up to 10 s grace, then KILL
    local pid
    for pid in "$@"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 50); do
        local alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.2
    done
    for pid in "$@"; do
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
}

stop_all() {
    local status=$?
    trap - EXIT INT TERM
    if ((${#pids[@]})); then
        log "stopping ${names[*]}"
        # Redis goes last: the worker and the server still talk to it while they shut down.
        local pid others=()
        for pid in "${pids[@]}"; do [[ $pid == "$redis_pid" ]] || others+=("$pid"); done
        ((${#others[@]})) && stop_group "${others[@]}"
        [[ -n $redis_pid ]] && stop_group "$redis_pid"
        wait 2>/dev/null || true
    fi
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Redis -----------------------------------------------------------------------------------
redis_ping() {
    "$PY" -c 'import sys, redis; sys.exit(0 if redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1, socket_timeout=1).ping() else 1)' \
        "$REDIS_URL" >/dev/null 2>&1
}

if redis_ping; then
    log "using the Redis server at $REDIS_URL"
else
    read -r redis_host redis_port < <("$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 6379)' "$REDIS_URL") \
        || die "cannot parse REDIS_URL=$REDIS_URL"
    case $redis_host in
        127.0.0.1|localhost|::1) ;;
        *) die "nothing answers at REDIS_URL=$REDIS_URL and it is not local, so it cannot be started here" ;;
    esac
    command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed; run \`make install-system\`"
    log "starting redis-server on 127.0.0.1:$redis_port (log: var/redis.log)"
    start_bg redis var/redis.log redis-server --port "$redis_port" --bind 127.0.0.1 --dir var --daemonize no
    redis_pid=$last_pid
    for _ in $(seq 100); do   # up to 20 s
        redis_ping && break
        kill -0 "$redis_pid" 2>/dev/null || die "redis-server exited; last lines of var/redis.log:
$(tail -n 20 var/redis.log)"
        sleep 0.2
    done
    redis_ping || die "redis-server did not answer within 20 s; see var/redis.log"
fi

# --- database, admin account, examples ------------------------------------------------------------
log "migrating the database ($DATABASE_URL)"
"$BATON" db upgrade
"$BATON" user create admin --admin --if-missing --password-file var/admin-password
"$BATON" token create admin --if-missing --token-file var/admin-token

shopt -s nullglob
examples=(examples/*)
shopt -u nullglob
if ((${#examples[@]})); then
    log "deploying ${#examples[@]} example file(s)"
    "$BATON" deploy "${examples[@]}"
fi

# --- worker and web server ----------------------------------------------------------------------
start_bg worker - "$BATON" worker
start_bg server - "$BATON" serve --host 127.0.0.1 --port "$PORT"
server_pid=$last_pid

server_listens() {
    "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' \
        "$PORT" 2>/dev/null
}
for _ in $(seq 150); do   # up to 30 s for the web server to listen
    server_listens && break
    kill -0 "$server_pid" 2>/dev/null || die "the web server exited during start-up"
    sleep 0.2
done
server_listens || log "warning: nothing listens on port $PORT yet after 30 s"

url="http://127.0.0.1:$PORT"
password=$(cat var/admin-password 2>/dev/null || echo '<missing: var/admin-password>')
token=$(cat var/admin-token 2>/dev/null || echo '<missing: var/admin-token>')
cat <<EOF

+--------------------------------------------------------------------------
| Baton is running: $url
|
|   user       admin
|   password   $password
|   API token  $token
|
| Try:
|   curl -H "Authorization: Bearer \$(cat var/admin-token)" $url/api/v1/process-definitions
|
| Press Ctrl-C to stop.
+--------------------------------------------------------------------------

EOF

# Stay up while everything runs; if any of the processes stops, shut the rest down too.
set +e
wait -n "${pids[@]}"
status=$?
set -e
for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || log "${names[$i]} stopped (exit status $status); shutting down"
done
exit "$status"
