# bash completion for faultline. Installed by `make install` into
# share/bash-completion/completions/faultline. It holds no option list of
# its own: the words come from the binary's option tables through
# `faultline __complete [COMMAND [OPTION]]`, so it can never go stale.
_faultline() {
  local cur prev cmd words
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$(faultline __complete 2>/dev/null) --help --version" -- "$cur")
    return
  fi
  cmd=${COMP_WORDS[1]}
  if [ "$cmd" = help ]; then
    mapfile -t COMPREPLY < <(compgen -W "$(faultline __complete 2>/dev/null)" -- "$cur")
    return
  fi
  case $cur in
    --*=*)
      words=$(faultline __complete "$cmd" "${cur%%=*}" 2>/dev/null)
      mapfile -t COMPREPLY < <(compgen -P "${cur%%=*}=" -W "$words" -- "${cur#*=}")
      return ;;
    -*)
      mapfile -t COMPREPLY < <(compgen -W "$(faultline __complete "$cmd" 2>/dev/null)" -- "$cur")
      return ;;
  esac
  if [[ $prev == -* ]]; then
    words=$(faultline __complete "$cmd" "$prev" 2>/dev/null)
    if [ -n "$words" ]; then
      mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
      return
    fi
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -o bashdefault -F _faultline faultline
