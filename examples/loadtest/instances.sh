#!/usr/bin/env bash
# instances.sh runs examples/loadtest against N instances of the reference
# server (examples/server) that share one new MariaDB database and one Redis
# key prefix, then stops them and removes the database and the keys.
#
#   examples/loadtest/instances.sh INSTANCES DURATION CONCURRENCY
#   examples/loadtest/instances.sh 2 10s 32
#
# It builds the server and the load tool from this checkout, creates the
# database loadtest_<random> and the prefix loadtest_<random>:, starts the
# first instance (which loads the demo catalog) and waits for /readyz, then
# the others, each on the next free port from BASE_PORT, and runs
#
#   loadtest -url <every instance> -staff … -duration DURATION
#            -concurrency CONCURRENCY -scenarios $SCENARIOS -users $USERS
#
# which sends each request to the next instance in turn. After the run it
# prints the CPU time each process took while the scenarios ran (from
# /proc/<pid>/stat), the machine's busy share over the same time (from
# /proc/stat), and a check of the order scenario against the database: the
# orders stored and the stock taken must both equal the 201s counted.
#
# Environment (defaults in brackets):
#   MYSQL_DSN      DSN of the server without a database [root@tcp(127.0.0.1:3306)/]
#   MYSQL          client command for the same server [mysql -uroot -h127.0.0.1 -P3306]
#   REDIS_URL      Redis of the sessions [redis://127.0.0.1:6379/0]
#   REDIS_CLI      client command for the same Redis [redis-cli -h 127.0.0.1 -p 6379 -n 0]
#   BASE_PORT      first port tried for the instances [18080]
#   SCENARIOS      the scenarios to run [home,search,product,cart,order]
#   USERS          customers the tool signs up [32]
#   QUIET          wait, at most QUIET_WAIT seconds, until the machine is at
#                  least QUIET % idle over 3 s before the run (0: do not wait) [90]
#   QUIET_WAIT     [120]
#   WORK           directory for the binaries and the logs [a new one under
#                  /tmp, removed after a run without errors]
#
# The exit status is the load tool's: 1 if any request failed.
set -euo pipefail

usage() {
	echo "usage: $0 INSTANCES DURATION CONCURRENCY   (e.g. $0 2 10s 32)" >&2
	exit 2
}
[[ $# -eq 3 ]] || usage
n=$1 duration=$2 concurrency=$3
[[ $n =~ ^[1-9][0-9]*$ && $n -le 16 ]] || { echo "$0: INSTANCES must be 1..16, not '$n'" >&2; exit 2; }
[[ $concurrency =~ ^[1-9][0-9]*$ ]] || { echo "$0: CONCURRENCY must be a positive number, not '$concurrency'" >&2; exit 2; }
[[ $duration =~ ^[0-9]+(ms|s|m)$ ]] || { echo "$0: DURATION must be a Go duration such as 10s, not '$duration'" >&2; exit 2; }

MYSQL_DSN=${MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}
MYSQL=${MYSQL:-mysql -uroot -h127.0.0.1 -P3306}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
REDIS_CLI=${REDIS_CLI:-redis-cli -h 127.0.0.1 -p 6379 -n 0}
BASE_PORT=${BASE_PORT:-18080}
SCENARIOS=${SCENARIOS:-home,search,product,cart,order}
USERS=${USERS:-32}
QUIET=${QUIET:-90}
QUIET_WAIT=${QUIET_WAIT:-120}

root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -n ${WORK:-} ]]; then
	work=$WORK own_work=
else
	work=$(mktemp -d /tmp/loadtest-instances.XXXXXX) own_work=1
fi
mkdir -p "$work"
id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
db=loadtest_$id
prefix=loadtest_$id:
staff="loadadmin:Walrus-copper-$id"
pids=()

cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	$MYSQL -e "DROP DATABASE IF EXISTS \`$db\`" || echo "instances.sh: could not drop database $db" >&2
	$REDIS_CLI --scan --pattern "$prefix*" | xargs -r -n 100 $REDIS_CLI DEL >/dev/null ||
		echo "instances.sh: could not delete the Redis keys $prefix*" >&2
	# A directory of its own making goes, unless the run failed: then
	# the servers' logs say why.
	if [[ -n $own_work && $status -eq 0 ]]; then
		rm -rf "$work"
	elif [[ $status -ne 0 ]]; then
		echo "instances.sh: the servers' logs are in $work" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# building into $work"
(cd "$root" && go build -o "$work/server" ./examples/server && go build -o "$work/loadtest" ./examples/loadtest)

$MYSQL -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_ready() { # url, log
	for _ in $(seq 1 300); do
		curl -fsS "$1/readyz" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "instances.sh: $1 not ready after 60 s; the end of its log:" >&2
	tail -20 "$2" >&2
	return 1
}

urls=()
port=$BASE_PORT
for i in $(seq 1 "$n"); do
	while ! port_free "$port"; do port=$((port + 1)); done
	url=http://127.0.0.1:$port
	COMMERCE_ADDR=127.0.0.1:$port \
		COMMERCE_MYSQL_DSN="${MYSQL_DSN%/}/$db" \
		COMMERCE_REDIS_URL="$REDIS_URL" COMMERCE_REDIS_PREFIX="$prefix" \
		COMMERCE_DEMO=1 COMMERCE_BOOTSTRAP_STAFF="$staff" \
		COMMERCE_SIGNUPS_PER_HOUR=100000 COMMERCE_MEDIA_URL=mem:// \
		"$work/server" 2>"$work/server-$i.log" &
	pids+=($!)
	# The first loads the demo catalog; the others find it there.
	wait_ready "$url" "$work/server-$i.log"
	urls+=("$url")
	port=$((port + 1))
done
url_list=$(IFS=,; echo "${urls[*]}")

# cpu_busy prints the machine's busy and total jiffies.
cpu_busy() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat; }
# ticks prints a process's user+system jiffies, or 0 if it is gone.
ticks() { awk '{sub(/^.*\) /, ""); print $12+$13}' "/proc/$1/stat" 2>/dev/null || echo 0; }

idle=""
if [[ $QUIET -gt 0 ]]; then
	deadline=$((SECONDS + QUIET_WAIT))
	while :; do
		read -r b0 t0 < <(cpu_busy)
		sleep 3
		read -r b1 t1 < <(cpu_busy)
		idle=$(( 100 - 100 * (b1 - b0) / (t1 - t0) ))
		[[ $idle -ge $QUIET || $SECONDS -ge $deadline ]] && break
	done
fi

mysqld_pid=$(cat "$($MYSQL -NBe 'SELECT @@pid_file')" 2>/dev/null || true)
redis_pid=$($REDIS_CLI INFO server | tr -d '\r' | awk -F: '$1=="process_id"{print $2}')
names=() watch=()
for i in $(seq 1 "$n"); do names+=("instance $i"); watch+=("${pids[$((i - 1))]}"); done
[[ -n $mysqld_pid ]] && { names+=(mariadbd); watch+=("$mysqld_pid"); }
[[ -n $redis_pid ]] && { names+=(redis-server); watch+=("$redis_pid"); }

echo "# $n instance(s): ${urls[*]}; database $db; $duration per scenario, $concurrency workers in all${idle:+; machine $idle % idle over the 3 s before}"
out=$work/loadtest.out
status=0
TIMEFORMAT='%U %S'
{ time "$work/loadtest" -url "$url_list" -staff "$staff" -duration "$duration" \
	-concurrency "$concurrency" -scenarios "$SCENARIOS" -users "$USERS" >"$out" 2>&1; } 2>"$work/loadtest.time" &
runner=$!
# The CPU split covers the timed scenarios: from the end of the setup to
# the end of the run.
until grep -q '^setup:' "$out" 2>/dev/null || ! kill -0 "$runner" 2>/dev/null; do sleep 0.05; done
read -r mb0 mt0 < <(cpu_busy)
before=()
for pid in "${watch[@]}"; do before+=("$(ticks "$pid")"); done
start=$(date +%s.%N)
wait "$runner" || status=$?
end=$(date +%s.%N)
read -r mb1 mt1 < <(cpu_busy)
cat "$out"

hz=$(getconf CLK_TCK)
echo
echo "# CPU while the scenarios ran ($(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s; 2 cores = 200 %):"
listed=0
for k in "${!watch[@]}"; do
	d=$(( $(ticks "${watch[$k]}") - ${before[$k]} ))
	if [[ $d -lt 0 || ! -e /proc/${watch[$k]} ]]; then
		echo "#   ${names[$k]}: exited during the run"
		continue
	fi
	listed=$((listed + d))
	awk -v name="${names[$k]}" -v d="$d" -v hz="$hz" -v a="$start" -v b="$end" \
		'BEGIN{printf "#   %-13s %6.1f CPU-s  %4.0f %%\n", name, d/hz, 100*d/hz/(b-a)}'
done
read -r lu ls <"$work/loadtest.time"
awk -v u="$lu" -v s="$ls" 'BEGIN{printf "#   %-13s %6.1f CPU-s  (the whole run, setup included: %.1f user, %.1f system)\n", "loadtest", u+s, u, s}'
awk -v busy="$((mb1 - mb0))" -v total="$((mt1 - mt0))" -v listed="$listed" -v hz="$hz" -v lt="$(awk -v u="$lu" -v s="$ls" 'BEGIN{print u+s}')" -v cores="$(nproc)" \
	'BEGIN{o = busy/hz - listed/hz - lt; if (o < 0) o = 0
	       printf "#   machine busy %.0f %% of %d cores; other work, outside the processes above: about %.1f CPU-s\n", 100*busy/total, cores, o}'

if [[ ,$SCENARIOS, == *,order,* ]]; then
	placed=$(awk -F'|' '$2 ~ /^ order $/ {gsub(/ /,"",$3); gsub(/ /,"",$8); print $3-$8}' "$out")
	read -r stored taken < <($MYSQL -NBe "SELECT (SELECT COUNT(*) FROM \`$db\`.orders),
		(SELECT COALESCE(SUM(1000000000 - stock), 0) FROM \`$db\`.products WHERE name LIKE '부하 시험 상품 %')")
	echo "# order scenario: ${placed:-?} orders answered 201; the database holds $stored orders and $taken units taken from stock"
	if [[ ${placed:-x} != "$stored" || $stored != "$taken" ]]; then
		echo "instances.sh: the orders do not add up" >&2
		status=1
	fi
fi
exit "$status"
