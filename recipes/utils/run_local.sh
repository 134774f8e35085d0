#!/usr/bin/env bash
# Local job runner with the command-line contract of Kaldi's utils/run.pl, for machines without
# Kaldi: runs a command, or an array of jobs in parallel with `xargs -P`, writing one log per job.
#
# Usage: utils/run_local.sh [options] [JOB=1:N] <log-file> <command> [<arg> ...]
#   e.g. utils/run_local.sh JOB=1:4 exp/x/log/score.JOB.log rescore-nbest --shard JOB/4 ...
# Every occurrence of the job variable (JOB above; any name works, as in run.pl) in the log-file
# name and in the command is replaced by the job index. The arguments are joined as run.pl
# joins them (a word with blanks is quoted) and run by `bash -c`, so pipes and redirections are
# separate, escaped words: ... ark:- \| gzip -c \> out.JOB.gz. Each log starts with the
# command line and the start time and ends with the exit code and the elapsed time; the command's
# stdout and stderr go to the log. Exit status: 0 if every job succeeded, 1 otherwise.
# Options:
#   --max-jobs-run N   jobs at once (default: number of cores, from nproc)
#   --num-threads N    threads each job uses; at most max(1, cores / N) jobs run at once
set -euo pipefail

if [ "${1:-}" = --run-one-job ]; then
  # Internal: called by xargs with the job index appended as the last argument.
  shift
  index=${!#}
  set -- "${@:1:$(($# - 1))}"
  var=$1 log=$2
  shift 2
  if [ -n "$var" ]; then
    log=${log//$var/$index}
    args=()
    for a in "$@"; do args+=("${a//$var/$index}"); done
    set -- "${args[@]}"
  fi
  mkdir -p "$(dirname "$log")"
  # Join the arguments as Kaldi's run.pl does: a word without blanks as it is, else quoted
  # (single quotes if it holds a double quote, else double quotes); pipes are separate words.
  command_line=''
  for a in "$@"; do
    if [[ "$a" =~ ^[^[:space:]]+$ ]]; then command_line+="$a "
    elif [[ "$a" == *'"'* ]]; then command_line+="'$a' "
    else command_line+="\"$a\" "
    fi
  done
  command_line=${command_line% }
  start=$(date +%s)
  {
    echo "# $command_line"
    echo "# Started at $(date)"
    echo "#"
  } > "$log"
  status=0
  bash -c "$command_line" >> "$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  {
    echo "# Accounting: time=$elapsed threads=${NCE_NUM_THREADS:-1}"
    echo "# Ended (code $status) at $(date), elapsed time $elapsed seconds"
  } >> "$log"
  exit "$status"
fi

max_jobs=$(nproc 2>/dev/null || echo 1)
num_threads=1
while [ $# -gt 0 ]; do
  case "$1" in
    --max-jobs-run) max_jobs=$2; shift 2 ;;
    --max-jobs-run=*) max_jobs=${1#*=}; shift ;;
    --num-threads) num_threads=$2; shift 2 ;;
    --num-threads=*) num_threads=${1#*=}; shift ;;
    --*) echo "$0: unknown option $1" >&2; exit 1 ;;
    *) break ;;
  esac
done
for n in "$max_jobs" "$num_threads"; do
  if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then echo "$0: expected a positive integer, got '$n'" >&2; exit 1; fi
done

var='' first=1 last=1
if [[ "${1:-}" =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+):([0-9]+)$ ]]; then
  var=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]} last=${BASH_REMATCH[3]}
  shift
  if [ "$last" -lt "$first" ]; then echo "$0: empty job range $first:$last" >&2; exit 1; fi
elif [[ "${1:-}" =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+)$ ]]; then
  var=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]} last=${BASH_REMATCH[2]}
  shift
fi
if [ $# -lt 2 ]; then
  sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 1
fi
log=$1
if [ -z "$var" ] && [[ "$log" == *JOB* ]]; then
  echo "$0: the log file name contains JOB but no JOB=a:b range was given" >&2; exit 1
fi

cores=$(nproc 2>/dev/null || echo 1)
per_threads=$((cores / num_threads))
[ "$per_threads" -ge 1 ] || per_threads=1
[ "$per_threads" -ge "$max_jobs" ] || max_jobs=$per_threads
export NCE_NUM_THREADS=$num_threads

if seq "$first" "$last" | xargs -n 1 -P "$max_jobs" "$0" --run-one-job "$var" "$@"; then
  exit 0
fi
failed=0
for index in $(seq "$first" "$last"); do
  job_log=$log
  [ -z "$var" ] || job_log=${log//$var/$index}
  if ! tail -n 1 "$job_log" 2>/dev/null | grep -q '^# Ended (code 0)'; then failed=$((failed + 1)); fi
done
total=$((last - first + 1))
if [ "$total" -eq 1 ]; then
  echo "$0: job failed, log is in $log" >&2
else
  echo "$0: $failed / $total failed, log is in $log" >&2
fi
exit 1
