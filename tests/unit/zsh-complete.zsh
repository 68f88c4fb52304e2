# SPDX-License-Identifier: LGPL-2.1-or-later
# Real zsh completion, driven through a pseudo-terminal (zsh/zpty), for
# tests/unit/test_completion.py:
#   zsh -f zsh-complete.zsh FPATH_DIR 'LINE' ...
# starts an interactive "zsh -f" with FPATH_DIR first in $fpath and compinit,
# types each LINE followed by Tab and prints "== LINE", then every match
# the completion system was given (one a line), then clears the line.
# compadd is wrapped to print the matches it adds (calls that only collect
# or filter, -O/-A/-D, pass through); Tab runs a completion widget that
# prints an end marker, Return is unbound so no line is ever run.
# The markers are computed ($((6*7))) so the terminal's echo of the
# commands that print them never matches. Exit 3: the shell did not answer.
zmodload zsh/zpty || exit 2
fdir=$1; shift
zpty z zsh -f -i || exit 2
zpty -w z "PS1='' PS2='' RPS1=''; unsetopt zle_bracketed_paste 2>/dev/null; fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi; local -a __m; builtin compadd -O __m "$@"; local w; for w in $__m; do print -r -- $'\n'"M>$w"; done; builtin compadd "$@"; }'
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; zstyle ':completion:*' insert-tab false"
zpty -w z '_drive_complete() { _main_complete; print -r -- $'\n'"<<DONE$((6*7))>>" }; zle -C drive-complete complete-word _drive_complete; bindkey "^I" drive-complete; bindkey "^M" undefined-key; bindkey "^J" undefined-key; print -r -- "<<READY$((6*7))>>"'
read_until() {  # $1: marker; prints the matches seen before it
    local want=$1 line deadline=$(( SECONDS + 20 ))
    while (( SECONDS < deadline )); do
        if zpty -rt z line; then
            line=${line//$'\r'/}
            [[ $line == *$want* ]] && return 0
            [[ -n $DEBUG ]] && print -r -- "RAW:${(q)line}"; [[ $line == *M\>* ]] && print -r -- ${${line##*M>}%%$'\n'}
        else
            sleep 0.05
        fi
    done
    print -r -- "TIMEOUT waiting for $want"; return 1
}
read_until "<<READY42>>" >/dev/null || exit 3
for l in "$@"; do
    print -r -- "== $l"
    zpty -w -n z "$l"$'\t'
    read_until "<<DONE42>>" || exit 3
    zpty -w -n z $'\C-u'
done
zpty -d z
