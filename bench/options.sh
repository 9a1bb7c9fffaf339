# options.sh - the benchmarks' command lines, sourced by their scripts:
# each `--NAME VALUE` a script takes sets its variable NAME (dashes as
# underscores), whose default the script set before.

# bench_options SCRIPT NAME... -- ARG... : sets the variable of each option
# in ARG; exits 2 naming an option SCRIPT does not take, or one without a
# value.
bench_options() {
  local script=$1 names=" " name
  shift
  while [[ $1 != -- ]]; do
    names+="$1 "
    shift
  done
  shift
  while (($#)); do
    name=${1#--}
    name=${name//-/_}
    if [[ $1 != --* || $names != *" $name "* ]]; then
      echo "$script: unknown option $1" >&2
      exit 2
    fi
    (($# >= 2)) || { echo "$script: $1 wants a value" >&2 && exit 2; }
    printf -v "$name" '%s' "$2"
    shift 2
  done
}
