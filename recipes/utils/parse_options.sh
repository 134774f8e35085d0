#!/usr/bin/env bash
# Kaldi-style option parsing for recipes and step scripts; source it after the configuration
# variables:   stage=0; nj=4; . utils/parse_options.sh
#
# Each leading argument `--some-name value` or `--some-name=value` assigns the shell variable
# some_name, which must already be set (an unknown option is an error, exit 1). A variable whose
# current value is true or false only accepts true or false. `--config FILE` sources FILE
# (lines such as `nj=8`) before the other options, wherever it appears among them.
# `--help` or `-h` prints $help_message (if the script defines it) on stderr and exits 0.
# Parsing stops at the first argument not starting with `--`, or after `--`; the remaining
# arguments are left in "$@".

parse_options_script=${0##*/}

# --config files first, so that options on the command line override them.
parse_options_index=1
while [ "$parse_options_index" -le $# ]; do
  parse_options_arg=${!parse_options_index}
  case "$parse_options_arg" in
    --config=*) parse_options_file=${parse_options_arg#--config=} ;;
    --config)
      parse_options_index=$((parse_options_index + 1))
      if [ "$parse_options_index" -gt $# ]; then
        echo "$parse_options_script: --config needs a file name" >&2; exit 1
      fi
      parse_options_file=${!parse_options_index} ;;
    --*) parse_options_file= ;;
    *) break ;;
  esac
  if [ -n "$parse_options_file" ]; then
    if [ ! -r "$parse_options_file" ]; then
      echo "$parse_options_script: cannot read config file '$parse_options_file'" >&2; exit 1
    fi
    # shellcheck disable=SC1090
    . "$parse_options_file"
  elif [[ "$parse_options_arg" != *=* ]]; then
    parse_options_index=$((parse_options_index + 1))  # skip the value of --name value
  fi
  parse_options_index=$((parse_options_index + 1))
done

while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h)
      if [ -n "${help_message:-}" ]; then printf '%s\n' "$help_message" >&2; else echo "$parse_options_script: no help found" >&2; fi
      exit 0 ;;
    --) shift; break ;;
    --config=*) shift; continue ;;
    --config) shift 2; continue ;;
    --*=*) parse_options_name=${1%%=*}; parse_options_value=${1#*=}; shift ;;
    --*)
      if [ $# -lt 2 ]; then echo "$parse_options_script: option $1 needs a value" >&2; exit 1; fi
      parse_options_name=$1; parse_options_value=$2; shift 2 ;;
    *) break ;;
  esac
  parse_options_var=${parse_options_name#--}
  parse_options_var=${parse_options_var//-/_}
  if ! [[ "$parse_options_var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ -z "${!parse_options_var+set}" ]; then
    echo "$parse_options_script: invalid option $parse_options_name" >&2; exit 1
  fi
  case "${!parse_options_var}" in
    true|false)
      if [ "$parse_options_value" != true ] && [ "$parse_options_value" != false ]; then
        echo "$parse_options_script: expected true or false: $parse_options_name $parse_options_value" >&2; exit 1
      fi ;;
  esac
  printf -v "$parse_options_var" '%s' "$parse_options_value"
done
unset parse_options_script parse_options_index parse_options_arg parse_options_file \
  parse_options_name parse_options_value parse_options_var
