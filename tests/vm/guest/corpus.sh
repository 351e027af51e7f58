#!/bin/sh
# Loads every policy file of the Tetragon example corpus (/corpus, list in /corpus/FILES) in the
# real agent, one short agent start per file: `auspex policy validate FILE`, then
# `auspex agent --tracing-policy FILE` until ready (LOADED) or exit (REFUSED), then SIGTERM.
# Prints "CORPUS <file> <INVALID|LOADED|REFUSED|TIMEOUT|KILLED> <detail>" and ships the agent's
# error output as FILE corpus:<file>. Resumable: /init re-runs it if a Sigkill policy of the corpus
# kills this shell; the file being loaded then is reported KILLED.
. /vm-lib.sh
AGENT_WAIT=${vm_corpus_wait:-90}
progress=/tmp/corpus.progress
current=/tmp/corpus.current
touch $progress
if [ -s $current ]; then
    f=$(cat $current)
    out "CORPUS $f KILLED the loading shell was killed while this policy was loaded"
    echo "$f" >>$progress
    rm -f $current
fi
while read -r f; do
    [ -n "$f" ] || continue
    grep -qxF "$f" $progress && continue
    echo "$f" >$current
    if ! $AUSPEX policy validate "/corpus/$f" >/tmp/c.val 2>&1; then
        out "CORPUS $f INVALID"
        ship "corpus:$f" /tmp/c.val
    elif agent_start c --tracing-policy "/corpus/$f"; then
        loaded=$(grep 'policy loaded' /tmp/c.err | sed 's/.*policy loaded *//' | tr '\n' ' ')
        agent_stop
        out "CORPUS $f LOADED stop_rc=$AGENT_RC $loaded"
    elif [ "$AGENT_RC" = timeout ]; then
        out "CORPUS $f TIMEOUT not ready within ${AGENT_WAIT}s"
        ship "corpus:$f" /tmp/c.err
    else
        out "CORPUS $f REFUSED rc=$AGENT_RC"
        sed -n '/auspex: error:/,$p' /tmp/c.err >/tmp/c.reason
        [ -s /tmp/c.reason ] || tail -n 5 /tmp/c.err >/tmp/c.reason
        ship "corpus:$f" /tmp/c.reason
    fi
    echo "$f" >>$progress
    rm -f $current
done </corpus/FILES
exit 0
