#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2046,SC2077,SC2086,SC2206,SC2317 # the script's quoting, on purpose
# A test oracle for the legacy removal logic: what swarmkit-mon v5's hook
# `remove_old_hosts` and its purge of "down nodes that were replaced" remove,
# given one reading of the Engine's `GET /nodes` and of the leader's metadata
# `/hosts`.
#
# This is not the deployed script. It was written for the tests from the
# documented behaviour of swarmkit-mon v5 (see README.md here) and decides
# the way the script did, with the same tools: the same jq programs over the
# same JSON (`jq -r` printing a missing key as `null`, `.[0]` of what a lookup
# found), unquoted command substitution split into words, the metadata side
# cut with `cut -d. -f1`, and `docker node rm` of whatever the lookup printed.
# tests/property/script_oracle_test.cpp compares its answers, case by case,
# with the legacy policy of model/removal_policy.cpp.
#
# `docker` is a stub (a shell function): `node rm ID` succeeds, once, for the
# ID of a node of the reading and fails for anything else (`null`, an ID
# already removed); `node demote ID` succeeds for such an ID and changes
# nothing.
#
# Usage: remove_old_hosts.sh [--direct] [--jobs N] CASES_DIR
#
# Every subdirectory of CASES_DIR that holds `nodes.json` (the body of
# GET /nodes) and `hosts.body` (the body of metadata /hosts: a JSON list, an
# empty body, or `Not found`) gets an answer file `oracle.out`:
#   removed: ID ...   what remove_old_hosts removed, in order
#   demoted: ID ...   which of those it demoted first
#   purged: ID ...    what the purge removed from the same reading, in order
# The hook and the purge each start from the whole reading.
#
# Two ways to run the same jq programs:
#   --direct  one jq process per program run, in the script's own pipelines.
#             The literal transcription, and slow: jq 1.6 takes 10-20 ms to
#             start, and a case needs a few dozen runs.
#   (default) one long-lived jq per job evaluates the same programs on
#             requests, and bash does the word splitting and the cut itself.
#             The test runs a sample of its cases both ways and requires the
#             same answers, so the fast way stays a faithful one.
#
# The script's `echo $nodes` is unquoted, so a JSON text is also a glob
# pattern; the oracle runs in CASES_DIR, whose entries have long names that
# no such pattern matches.
set -u
export LC_ALL=C

# The script's jq programs. "WORD" stands for the word of the loop, which the
# script pasted into the program text between double quotes.
HOSTS_HOSTNAMES='.[].hostname'
WITHOUT_HOSTNAME='map(select(.Description.Hostname != "WORD"))'
NODES_HOSTNAMES='.[].Description.Hostname'
ID_OF_HOSTNAME='map(select(.Description.Hostname=="WORD")) | .[0].ID'
ROLE_OF_HOSTNAME='map(select(.Description.Hostname=="WORD")) | .[0].Spec.Role'
DOWN_HOSTNAMES='map(select(.Status.State=="down")) | .[].Description.Hostname'
DOWN_ID_OF_HOSTNAME='map(select(.Status.State=="down")) | map(select(.Description.Hostname=="WORD")) | .[0].ID'
# Not the script's: how the stub learns which IDs the swarm has.
NODE_IDS='.[].ID'
PROGRAMS=(HOSTS_HOSTNAMES WITHOUT_HOSTNAME NODES_HOSTNAMES ID_OF_HOSTNAME ROLE_OF_HOSTNAME
          DOWN_HOSTNAMES DOWN_ID_OF_HOSTNAME NODE_IDS)

die() {
  echo "remove_old_hosts.sh: $*" >&2
  exit 2
}

# with_word PROGRAM WORD: the program text with the word pasted in.
with_word() {
  printf '%s' "${1//WORD/"$2"}"
}

# --- the docker stub --------------------------------------------------------

declare -A IN_SWARM=()
REMOVED=()
DEMOTED=()

swarm_reset() {  # swarm_reset ID...
  IN_SWARM=()
  REMOVED=()
  DEMOTED=()
  local id
  for id; do IN_SWARM[$id]=1; done
}

docker() {
  [ "${1-}" = node ] || return 1
  local verb=${2-} id=${3-}
  [ -n "$id" ] && [ -n "${IN_SWARM[$id]-}" ] || return 1
  case $verb in
    demote) DEMOTED+=("$id") ;;
    rm)
      unset "IN_SWARM[$id]"
      REMOVED+=("$id")
      ;;
    *) return 1 ;;
  esac
}

# --- direct: the script's pipelines, one jq process each -------------------

hook_direct() {
  local nodes hosts h id role
  nodes=$(<nodes.json)
  hosts=$(<hosts.body)
  swarm_reset $(jq -r "$NODE_IDS" nodes.json)
  for h in $(echo $hosts | jq -r "$HOSTS_HOSTNAMES" 2>/dev/null | cut -d. -f1); do
    nodes=$(echo $nodes | jq "$(with_word "$WITHOUT_HOSTNAME" "$h")")
  done
  for h in $(echo $nodes | jq -r "$NODES_HOSTNAMES"); do
    id=$(echo $nodes | jq -r "$(with_word "$ID_OF_HOSTNAME" "$h")")
    role=$(echo $nodes | jq -r "$(with_word "$ROLE_OF_HOSTNAME" "$h")")
    if [ "$role" == "manager" ]; then
      docker node demote $id
    fi
    docker node rm $id --force
  done
}

purge_direct() {
  local nodes h id
  nodes=$(<nodes.json)
  swarm_reset $(jq -r "$NODE_IDS" nodes.json)
  for h in $(echo $nodes | jq -r "$DOWN_HOSTNAMES"); do
    # Meant as "a new node has taken this hostname". Without spaces around
    # `!=` the test sees one non-empty word, so it is always true.
    if [ "$h"!="" ]; then
      id=$(echo $nodes | jq -r "$(with_word "$DOWN_ID_OF_HOSTNAME" "$h")")
      docker node demote $id
      docker node rm $id
    fi
  done
}

# --- fast: the same programs, one jq for all cases ---------------------------

JQ_PRINTED=''  # what `jq -r` printed for the last request
JQ_TEXT=''     # the same as `$(...)` keeps it: trailing newlines removed

jq_start() {
  # run($p; $w): the program named $p, with $w where the script had "WORD".
  local name keyword=if prog='def run($p; $w): '
  for name in "${PROGRAMS[@]}"; do
    prog+="$keyword \$p == \"$name\" then (${!name//\"WORD\"/\$w}) "
    keyword=elif
  done
  prog+='else error("no such program: " + $p) end; '
  # How `jq -r` prints one output.
  prog+='def printed: (if type == "string" then . else tojson end) + "\n"; '
  # A request is three lines: the program, its word, and the text `echo`
  # would pipe into jq. An input that does not parse prints nothing, and a
  # program that fails part way keeps what it printed before. The answer is
  # its length in bytes on a line of its own, then what jq printed.
  prog+='inputs as $p | input as $w | input as $t '
  prog+='| [try ($t | fromjson | run($p; $w)) catch empty] | map(printed) | add // "" '
  prog+='| "\(utf8bytelength)\n\(.)"'
  coproc JQ_SERVER { exec jq -n -R -j --unbuffered "$prog"; }
  JQ_TO=${JQ_SERVER[1]}
  JQ_FROM=${JQ_SERVER[0]}
}

# jq_fast PROGRAM WORD TEXT: what `echo TEXT | jq -r PROGRAM` prints.
jq_fast() {
  local -a words
  local length
  # echo's arguments: TEXT split into words (and no file name matches them
  # here, so pathname expansion, which is slow on long words, is left out).
  set -f
  words=($3)
  set +f
  printf '%s\n%s\n%s\n' "$1" "$2" "${words[*]}" >&"$JQ_TO"
  IFS= read -r -u "$JQ_FROM" length || die "jq stopped answering"
  JQ_PRINTED=''
  if [ "$length" -gt 0 ]; then
    IFS= read -r -N "$length" -u "$JQ_FROM" JQ_PRINTED || die "jq stopped answering"
  fi
  JQ_TEXT=$JQ_PRINTED
  while [ "${JQ_TEXT%$'\n'}" != "$JQ_TEXT" ]; do JQ_TEXT=${JQ_TEXT%$'\n'}; done
}

# `| cut -d. -f1` on JQ_PRINTED, into CUT.
cut_first_field() {
  local rest=$JQ_PRINTED line
  CUT=''
  while [ -n "$rest" ]; do
    line=${rest%%$'\n'*}
    rest=${rest#*$'\n'}
    CUT+="${line%%.*}"$'\n'
  done
}

hook_fast() {
  local nodes hosts h id role
  IFS= read -r -d '' nodes <nodes.json
  IFS= read -r -d '' hosts <hosts.body
  jq_fast NODE_IDS '' "$nodes"
  swarm_reset $JQ_TEXT
  jq_fast HOSTS_HOSTNAMES '' "$hosts"
  cut_first_field
  for h in $CUT; do
    jq_fast WITHOUT_HOSTNAME "$h" "$nodes"
    nodes=$JQ_TEXT
  done
  jq_fast NODES_HOSTNAMES '' "$nodes"
  for h in $JQ_TEXT; do
    jq_fast ID_OF_HOSTNAME "$h" "$nodes"
    id=$JQ_TEXT
    jq_fast ROLE_OF_HOSTNAME "$h" "$nodes"
    role=$JQ_TEXT
    if [ "$role" == "manager" ]; then
      docker node demote $id
    fi
    docker node rm $id --force
  done
}

purge_fast() {
  local nodes h id
  IFS= read -r -d '' nodes <nodes.json
  jq_fast NODE_IDS '' "$nodes"
  swarm_reset $JQ_TEXT
  jq_fast DOWN_HOSTNAMES '' "$nodes"
  for h in $JQ_TEXT; do
    if [ "$h"!="" ]; then  # always true, as above
      jq_fast DOWN_ID_OF_HOSTNAME "$h" "$nodes"
      id=$JQ_TEXT
      docker node demote $id
      docker node rm $id
    fi
  done
}

# --- driver ----------------------------------------------------------------

run_cases() {  # run_cases CASE_DIR...
  local dir removed demoted
  [ "$MODE" = fast ] && jq_start
  for dir; do
    cd "$dir" || die "no case directory $dir"
    "hook_$MODE"
    removed=${REMOVED[*]}
    demoted=${DEMOTED[*]}
    "purge_$MODE"
    printf 'removed:%s\ndemoted:%s\npurged:%s\n' "${removed:+ $removed}" "${demoted:+ $demoted}" \
      "${REMOVED[*]:+ ${REMOVED[*]}}" >oracle.out.tmp
    mv oracle.out.tmp oracle.out
    cd "$CASES" || exit 2
  done
  if [ "$MODE" = fast ]; then
    exec {JQ_TO}>&-
    wait "$JQ_SERVER_PID" 2>/dev/null
  fi
  return 0
}

MODE=fast
JOBS=1
while [ $# -gt 0 ]; do
  case $1 in
    --direct) MODE=direct ;;
    --jobs) JOBS=${2-}; shift ;;
    -h | --help)
      sed -n '3,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || die "usage: remove_old_hosts.sh [--direct] [--jobs N] CASES_DIR"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"
command -v jq >/dev/null || die "jq is not installed"
CASES=$(cd "$1" && pwd) || die "no directory $1"
cd "$CASES" || exit 2

dirs=()
for d in */; do
  [ -f "$d/nodes.json" ] && [ -f "$d/hosts.body" ] && dirs+=("$CASES/${d%/}")
done

status=0
if [ "$JOBS" -eq 1 ] || [ "${#dirs[@]}" -le 1 ]; then
  run_cases "${dirs[@]}" || status=$?
else
  pids=()
  for ((j = 0; j < JOBS; j++)); do
    part=()
    for ((i = j; i < ${#dirs[@]}; i += JOBS)); do part+=("${dirs[i]}"); done
    [ "${#part[@]}" -gt 0 ] || continue
    (run_cases "${part[@]}") &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=$?; done
fi
exit "$status"
